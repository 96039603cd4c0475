"""The optional LLM provider against a tiny OpenAI-compatible server started by the test.

The fake server is a real HTTP endpoint on loopback that answers with canned chat completions and
records what it was sent, so the provider's request, its reading of answers and every fallback to
the deterministic parser run over the wire exactly as they would against a real model server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from doable.adapters.inprocess import InProcessState
from doable.adapters.unit_of_work import UnitOfWork
from doable.chat.assistant import ParserInterpreter
from doable.chat.conversation import Message
from doable.chat.intents import (
    AddTask,
    BulkAction,
    CompleteTask,
    DeleteTask,
    Help,
    ListTasks,
    RenameTask,
    RescheduleTask,
    RetagTask,
    SetPriority,
    SnoozeTask,
    TaskRef,
)
from doable.chat.llm import LlmInterpreter, LlmSettings, interpreter_from_env, to_intent
from doable.chat.parser import parse
from doable.domain.events import Context
from doable.domain.model import User
from doable.domain.query import TaskQuery
from doable.services import chat, tasks

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)  # Saturday, 11:00 in Paris
PARIS = "Europe/Paris"


class FakeModel:
    """An OpenAI-compatible /v1/chat/completions on loopback with queued answers."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any, float]] = []
        self.requests: list[dict[str, Any]] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                model.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                status, body, delay = model.answers.pop(0) if model.answers else (500, "no answer queued", 0)
                time.sleep(delay)
                raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as a timeout test wants

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def says(self, content: Any, status: int = 200, delay: float = 0) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        self.answers.append(
            (status, {"choices": [{"message": {"role": "assistant", "content": text}}]}, delay)
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def model() -> Iterator[FakeModel]:
    fake = FakeModel()
    yield fake
    fake.close()


def llm(fake: FakeModel, **settings: Any) -> LlmInterpreter:
    return LlmInterpreter(LlmSettings(**{"url": fake.url + "/chat/completions", **settings}))


def read(interpreter: LlmInterpreter, message: str, history: tuple[Message, ...] = ()) -> Any:
    return interpreter.interpret(message, now=NOW, timezone=PARIS, history=history)


def test_settings_come_from_the_environment() -> None:
    assert LlmSettings.from_env({}) is None
    assert isinstance(interpreter_from_env({}), ParserInterpreter)
    settings = LlmSettings.from_env(
        {
            "DOABLE_LLM_URL": "http://models.internal/v1/",
            "DOABLE_LLM_MODEL": "tiny",
            "DOABLE_LLM_API_KEY": "k",
        }
    )
    assert settings == LlmSettings("http://models.internal/v1/chat/completions", "tiny", "k", 6.0)
    full = LlmSettings.from_env(
        {"DOABLE_LLM_URL": "http://m/v1/chat/completions", "DOABLE_LLM_TIMEOUT_SECONDS": "2"}
    )
    assert full is not None and (full.url, full.model, full.timeout) == (
        "http://m/v1/chat/completions",
        "gpt-4o-mini",
        2.0,
    )
    assert isinstance(interpreter_from_env({"DOABLE_LLM_URL": "http://m/v1"}), LlmInterpreter)


def test_the_request_carries_the_users_clock_and_the_conversation(model: FakeModel) -> None:
    model.says({"intent": "help"})
    history = (Message("user", "add buy milk", NOW), Message("assistant", "Added \u201cbuy milk\u201d.", NOW))
    assert read(llm(model, model="tiny", api_key="secret"), "what can you do", history) == Help()
    (sent,) = model.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer secret"
    body = sent["body"]
    assert body["model"] == "tiny" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    system, *rest = body["messages"]
    assert system["role"] == "system"
    assert "Europe/Paris" in system["content"] and "2026-11-28T11:00+01:00 (Saturday)" in system["content"]
    assert rest == [
        {"role": "user", "content": "add buy milk"},
        {"role": "assistant", "content": "Added \u201cbuy milk\u201d."},
        {"role": "user", "content": "what can you do"},
    ]


def test_an_add_becomes_the_same_intent_the_parser_would_make(model: FakeModel) -> None:
    model.says(
        {
            "intent": "add",
            "title": "Pay rent",
            "priority": "high",
            "tags": ["#Home"],
            "due_at": "2026-12-01T09:00:00+01:00",
            "recurrence": "monthly",
            "reminder_minutes_before": 1440,
            "description": None,
        }
    )
    assert read(
        llm(model), "rent is due on the first of every month, 9am, remind me the day before"
    ) == AddTask("Pay rent", "high", ("home",), datetime(2026, 12, 1, 8, tzinfo=UTC), "monthly", 1440)


@pytest.mark.parametrize(
    ("answer", "intent"),
    [
        (
            {"intent": "list", "status": "open", "priorities": ["high"], "tags": ["work"], "sort": "due_at"},
            ListTasks(status="open", priorities=("high",), tags=("work",), sort="due_at"),
        ),
        (
            {
                "intent": "list",
                "q": "milk",
                "status": "all",
                "overdue": True,
                "due_before": "2026-11-29T23:59:59Z",
            },
            ListTasks(
                q="milk",
                status="all",
                overdue=True,
                due_before=datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC),
            ),
        ),
        ({"intent": "complete", "task": "buy milk"}, CompleteTask(TaskRef("buy milk"))),
        ({"intent": "complete", "task": None}, CompleteTask(TaskRef(None))),
        ({"intent": "delete", "task": "it"}, DeleteTask(TaskRef(None))),
        (
            {"intent": "reschedule", "task": None, "due_at": "2026-12-04T15:00:00+01:00"},
            RescheduleTask(TaskRef(None), datetime(2026, 12, 4, 14, tzinfo=UTC)),
        ),
        (
            {
                "intent": "reschedule",
                "task": "groceries",
                "due_at": "2026-12-04T09:00:00+01:00",
                "keep_time": True,
            },
            RescheduleTask(TaskRef("groceries"), datetime(2026, 12, 4, 8, tzinfo=UTC), keep_time=True),
        ),
        ({"intent": "snooze", "task": "groceries", "minutes": 120}, SnoozeTask(TaskRef("groceries"), 120)),
        (
            {"intent": "rename", "task": "it", "title": " weekly shop "},
            RenameTask(TaskRef(None), "weekly shop"),
        ),
        ({"intent": "priority", "task": "report", "priority": "low"}, SetPriority(TaskRef("report"), "low")),
        (
            {"intent": "tag", "task": "groceries", "add": ["#Errands"], "remove": ["home"]},
            RetagTask(TaskRef("groceries"), ("errands",), ("home",)),
        ),
        (
            {"intent": "bulk", "action": "delete", "filter": {"status": "completed"}},
            BulkAction("delete", ListTasks(status="completed")),
        ),
        (
            {"intent": "bulk", "action": "complete", "filter": {"tags": ["errands"]}},
            BulkAction("complete", ListTasks(tags=("errands",))),
        ),
    ],
)
def test_answers_map_onto_intents(answer: dict[str, Any], intent: Any) -> None:
    assert to_intent(answer) == intent


@pytest.mark.parametrize(
    "content",
    [
        "I think you want to add milk!",  # not JSON
        '["add", "milk"]',  # JSON, but not an object
        {"intent": "add", "title": ""},
        {"intent": "add", "title": "x", "priority": "urgent"},
        {"intent": "add", "title": "x", "recurrence": "daily"},  # no due date
        {"intent": "add", "title": "x", "due_at": "tomorrow"},
        {"intent": "add", "title": "x", "tags": ["not a tag!"]},
        {"intent": "reschedule", "task": "x"},
        {"intent": "list", "sort": "random"},
        {"intent": "snooze", "task": "x", "minutes": 0},
        {"intent": "snooze", "task": "x", "minutes": "2 hours"},
        {"intent": "rename", "task": "x", "title": ""},
        {"intent": "priority", "task": "x", "priority": "asap"},
        {"intent": "tag", "task": "x", "add": [], "remove": []},
        {"intent": "bulk", "action": "archive", "filter": {}},
        {"intent": "bulk", "action": "delete", "filter": "everything"},
        {"intent": "dance"},
        {"intent": "unknown"},
    ],
)
def test_an_unusable_answer_falls_back_to_the_parser(model: FakeModel, content: Any) -> None:
    model.says(content)
    message = "add buy milk tomorrow at 9am"
    assert read(llm(model), message) == parse(message, NOW, PARIS)
    assert len(model.requests) == 1


def test_a_fenced_json_answer_is_read(model: FakeModel) -> None:
    model.says('```json\n{"intent": "complete", "task": "buy milk"}\n```')
    assert read(llm(model), "milk is sorted") == CompleteTask(TaskRef("buy milk"))


@pytest.mark.parametrize("status", [401, 429, 500, 503])
def test_an_http_error_falls_back_to_the_parser(model: FakeModel, status: int) -> None:
    model.answers.append((status, {"error": {"message": "nope"}}, 0))
    assert read(llm(model), "show my tasks") == parse("show my tasks", NOW, PARIS)


def test_a_slow_model_falls_back_to_the_parser_in_time(model: FakeModel) -> None:
    # Had the client waited out the delay it would have read "help"; the parser's reading proves it
    # gave up first. How long giving up takes is for the benchmarks, not a wall-clock assertion here.
    model.says({"intent": "help"}, delay=2)
    assert read(llm(model, timeout=0.3), "complete buy milk") == CompleteTask(TaskRef("buy milk"))


def test_an_unreachable_endpoint_falls_back_to_the_parser() -> None:
    interpreter = LlmInterpreter(LlmSettings("http://127.0.0.1:9/v1/chat/completions", timeout=1))
    assert read(interpreter, "help") == Help()


def test_the_assistant_acts_on_what_the_model_read(
    model: FakeModel, uow: Callable[[], UnitOfWork], user: User
) -> None:
    ctx, state = Context(user_id=user.id), InProcessState()
    model.says({"intent": "add", "title": "milk", "due_at": "2026-11-29T09:00:00+01:00", "tags": []})
    phrase = "could you put milk on my list for tomorrow morning"
    first = chat.send_message(uow(), state, ctx, chat.SendMessage(phrase), llm(model), now=NOW)
    assert first.reply == "Added \u201cmilk\u201d, due tomorrow at 09:00."
    model.says({"intent": "complete", "task": None})
    second = chat.send_message(
        uow(), state, ctx, chat.SendMessage("got it", first.conversation_id), llm(model), now=NOW
    )
    assert second.reply == "Nice work! \u201cmilk\u201d is done."
    assert second.tasks[0]["status"] == "completed"
    # The model saw the first exchange when it read the second message.
    assert [m["content"] for m in model.requests[1]["body"]["messages"][1:]] == [
        phrase,
        "Added \u201cmilk\u201d, due tomorrow at 09:00.",
        "got it",
    ]


def test_the_model_can_ask_for_a_bulk_change_and_the_user_confirms_it(
    model: FakeModel, uow: Callable[[], UnitOfWork], user: User
) -> None:
    ctx, state = Context(user_id=user.id), InProcessState()
    for title, hour in (("stamps", 9), ("bread", 10)):
        due = f"2026-11-29T{hour:02d}:00:00+01:00"
        tasks.create_task(uow(), ctx, {"title": title, "tags": ["errands"], "due_at": due}, now=NOW)
    tasks.create_task(uow(), ctx, {"title": "report", "tags": ["work"]}, now=NOW)
    model.says({"intent": "bulk", "action": "complete", "filter": {"tags": ["errands"]}})
    asked = chat.send_message(
        uow(), state, ctx, chat.SendMessage("tick off all my errands"), llm(model), now=NOW
    )
    assert asked.reply.startswith("Complete these 2 tasks (open tasks tagged #errands)?")
    assert all(task["status"] == "open" for task in asked.tasks)
    # "yes" answers the question itself: the model is not asked again.
    done = chat.send_message(
        uow(), state, ctx, chat.SendMessage("yes", asked.conversation_id), llm(model), now=NOW
    )
    assert done.reply == "Completed 2 tasks: \u201cstamps\u201d, \u201cbread\u201d."
    assert len(model.requests) == 1
    left = tasks.search_tasks(uow(), ctx, TaskQuery(status="open")).items
    assert [task.title for task in left] == ["report"]


def test_the_model_can_rename_snooze_retag_and_reprioritise(
    model: FakeModel, uow: Callable[[], UnitOfWork], user: User
) -> None:
    ctx, state = Context(user_id=user.id), InProcessState()
    task = tasks.create_task(
        uow(), ctx, {"title": "groceries", "due_at": "2026-11-28T17:00:00+01:00", "tags": ["home"]}, now=NOW
    )
    shop = "\u201cweekly shop\u201d"
    answers = [
        ({"intent": "rename", "task": "groceries", "title": "weekly shop"},
         f"Renamed \u201cgroceries\u201d to {shop}."),
        ({"intent": "snooze", "task": None, "minutes": 120},
         f"Snoozed {shop} by 2 hours: now due today at 19:00."),
        ({"intent": "priority", "task": None, "priority": "high"}, f"{shop} is now high priority."),
        ({"intent": "tag", "task": None, "add": ["errands"], "remove": ["home"]},
         f"Tagged {shop} #errands and removed #home from {shop}."),
    ]  # fmt: skip
    conversation = None
    for answer, reply in answers:
        model.says(answer)
        said = chat.send_message(
            uow(), state, ctx, chat.SendMessage("(words)", conversation), llm(model), now=NOW
        )
        conversation = said.conversation_id
        assert said.reply == reply
    final = tasks.get_task(uow(), ctx, task.id)
    assert (final.title, final.priority.value, final.tags) == ("weekly shop", "high", ("errands",))
    assert final.due_at == datetime(2026, 11, 28, 18, tzinfo=UTC)
