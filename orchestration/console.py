"""The runs' console logger: Dagster's own, less the stack trace of a failure raised on purpose.

(And a skipped step names each failed dependency once, not once per output: dbt's 40.)

A step that raises `dagster.Failure` (a dbt test that failed, a force nobody knows) has said
in its description what went wrong and what to look at; the ~40 lines of Dagster's frames
after it, printed twice (step and run failure), only bury that line. Any other error keeps
its stack trace: it is a bug, and the frames are what finds it. The event log (UI, instance)
keeps every error whole either way.
"""

from __future__ import annotations

import logging
import re

import coloredlogs
from dagster import DagsterEventType, Field, InitLoggerContext, logger

_FAILURE_EVENTS = {DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE}
_STACK = "\n\nStack Trace:"
# "Dependencies for step X failed: ['dbt_models', 'dbt_models', ...]": one name per output.
_STEP_LIST = re.compile(r"\[('[^'\]]+'(?:, '[^'\]]+')+)\]")


def _once_each(match: re.Match) -> str:
    return "[" + ", ".join(dict.fromkeys(match[1].split(", "))) + "]"


def _raised_on_purpose(error) -> bool:
    while error is not None:
        if error.cls_name == "Failure":
            return True
        error = error.cause
    return False


class _FailureWithoutFrames(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        event = getattr(record, "dagster_event", None)
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        if event is not None and event.event_type in _FAILURE_EVENTS and _raised_on_purpose(error):
            record.msg = str(record.msg).split(_STACK, 1)[0]
        elif isinstance(record.msg, str) and "Dependencies for step" in record.msg:
            record.msg = _STEP_LIST.sub(_once_each, record.msg)
        return True


@logger(
    {"log_level": Field(str, is_required=False, default_value="INFO"),
     "name": Field(str, is_required=False, default_value="dagster")},
    description="Dagster's coloured console logger, without the frames of a deliberate Failure.",
)
def console_logger(init_context: InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    log = logging.getLoggerClass()(config["name"], level=config["log_level"])
    coloredlogs.install(
        logger=log, level=config["log_level"],
        fmt="%(asctime)s - %(name)s - %(levelname)s - %(message)s", datefmt="%Y-%m-%d %H:%M:%S %z",
        field_styles={"levelname": {"color": "blue"}, "asctime": {"color": "green"}},
        level_styles={"debug": {}, "error": {"color": "red"}},
    )
    for handler in log.handlers:
        handler.addFilter(_FailureWithoutFrames())
    return log
