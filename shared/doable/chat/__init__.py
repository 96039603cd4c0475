"""The chat assistant's language side: what a message asks for, independent of how it is answered."""

from doable.chat.intents import (
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
)
from doable.chat.parser import parse

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
