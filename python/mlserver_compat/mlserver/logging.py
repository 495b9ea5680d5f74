"""mlserver.logging: the `logger` models log through (standard logging, name "mlserver").

    from mlserver.logging import logger
    logger.info("loaded %s", path)

tensord's workers send this logger's records to the server's log.
"""

import logging as _logging

LoggerName = "mlserver"
logger = _logging.getLogger(LoggerName)


def get_logger():
    return logger
