"""Sample tensors for every datatype, shared by the REST and gRPC round-trip tests."""

# datatype -> (shape, values); every value is exactly representable in its datatype.
CASES = {
    "BOOL": ([2, 2], [True, False, False, True]),
    "UINT8": ([1, 4], [0, 1, 127, 255]),
    "UINT16": ([2, 2], [0, 1, 12345, 65535]),
    "UINT32": ([2, 2], [0, 1, 123456789, 4294967295]),
    # 2**53 + 1 is not a double: a server that parses integers through double fails here.
    "UINT64": ([2, 2], [0, 1, 9007199254740993, 18446744073709551615]),
    "INT8": ([2, 2], [-128, -1, 0, 127]),
    "INT16": ([2, 2], [-32768, -1, 0, 32767]),
    "INT32": ([2, 2], [-2147483648, -1, 0, 2147483647]),
    "INT64": ([2, 3], [-9223372036854775808, -1, 0, 9223372036854775807,
                       9007199254740993, -9007199254740993]),
    # 65504 = FP16 max, 2**-10, 2**-24 = smallest subnormal.
    "FP16": ([2, 3], [0.0, -1.5, 65504.0, 0.0009765625, 5.960464477539063e-08, -2.0]),
    # 3.3895313892515355e38 = BF16 max, 2**-126 = smallest normal.
    "BF16": ([2, 3], [1.0, -0.5, 256.0, 3.140625, 3.3895313892515355e38,
                      1.1754943508222875e-38]),
    # FP32 max (negated), smallest subnormal, 2**24.
    "FP32": ([2, 3], [0.1, -3.4028234663852886e38, 1.401298464324817e-45, 16777216.0,
                      1e-10, 0.0]),
    "FP64": ([2, 3], [0.1, 1.7976931348623157e308, 5e-324, -1e-300, 2.5, 0.0]),
    "BYTES": ([2, 3], ["hello", "", "héllo ✓", 'with "quotes" and \\ backslash',
                       "tab\tnewline\n", "日本語"]),
}
