"""The chat assistant's language side: what a message asks for, independent of how it is answered."""

from doable.chat.parser import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Help,
    Intent,
    ListTasks,
    ReopenTask,
    RescheduleTask,
    TaskRef,
    Unknown,
    parse,
)

__all__ = [
    "AddTask",
    "CompleteTask",
    "DeleteTask",
    "Help",
    "Intent",
    "ListTasks",
    "ReopenTask",
    "RescheduleTask",
    "TaskRef",
    "Unknown",
    "parse",
]
