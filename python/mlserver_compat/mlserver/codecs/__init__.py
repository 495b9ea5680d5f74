"""mlserver.codecs: MLServer 1.5's content types ("np", "str", "base64", "datetime", "pd")
and the helpers models use to decode requests and encode responses."""

from .base import (  # noqa: F401
    InputCodec,
    InputCodecLike,
    RequestCodec,
    RequestCodecLike,
    _codec_registry,
    find_input_codec,
    find_input_codec_by_payload,
    find_input_codec_by_type_hint,
    find_request_codec,
    find_request_codec_by_payload,
    find_request_codec_by_type_hint,
    register_input_codec,
    register_request_codec,
)
from .errors import CodecError, CodecNotFound, InputsNotFound, OutputNotFound  # noqa: F401
from .utils import (  # noqa: F401
    DecodedParameterName,
    SingleInputRequestCodec,
    decode_inference_request,
    decode_request_input,
    encode_inference_response,
    encode_response_output,
    get_decoded,
    get_decoded_or_raw,
    has_decoded,
    inject_batch_dimension,
)
from .string import StringCodec, StringRequestCodec  # noqa: F401
from .numpy import NumpyCodec, NumpyRequestCodec  # noqa: F401
from .base64 import Base64Codec  # noqa: F401
from .datetime import DatetimeCodec  # noqa: F401
from .pandas import PandasCodec  # noqa: F401
from .decorator import decode_args  # noqa: F401
