"""The chat assistant's language side: what a message asks for, independent of how it is answered."""

from doable.chat.intents import (
    AddTask,
    BulkAction,
    CompleteTask,
    DeleteTask,
    Help,
    Intent,
    ListTasks,
    RenameTask,
    ReopenTask,
    RescheduleTask,
    RetagTask,
    SetPriority,
    SnoozeTask,
    TaskRef,
    Unknown,
)
from doable.chat.parser import parse

__all__ = [
    "AddTask",
    "BulkAction",
    "CompleteTask",
    "DeleteTask",
    "Help",
    "Intent",
    "ListTasks",
    "RenameTask",
    "ReopenTask",
    "RescheduleTask",
    "RetagTask",
    "SetPriority",
    "SnoozeTask",
    "TaskRef",
    "Unknown",
    "parse",
]
