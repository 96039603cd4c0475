"""POST /api/chat and GET /api/chat/{id} through the gateway, embedded and on the local stack.

On the stack the conversation lives in the Dapr PostgreSQL state store and is saved with ETags, so
the concurrency test here is the one that proves first-write-wins and the retry on a real store.
Times are real (the assistant reads "tomorrow" on today's clock), so replies that show a date are
matched with patterns and the stored due times are checked on the user's wall clock.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api

PARIS = ZoneInfo("Europe/Paris")
DAY = r"(?:today|tomorrow|[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}(?: \d{4})?)"


class Talk:
    """One conversation of `api`'s user, who lives in Paris."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.conversation_id: str | None = None
        response = api.patch("/api/me", json={"timezone": "Europe/Paris"})
        assert response.status_code == 200, response.text

    def say(self, message: str) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message}
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        response = self.api.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        reply = response.json()
        assert set(reply) == {"conversation_id", "reply", "tasks"}
        self.conversation_id = reply["conversation_id"]
        return reply

    def task(self, title: str) -> dict[str, Any]:
        (found,) = [
            t for t in self.api.get("/api/tasks", params={"q": title}).json()["items"] if t["title"] == title
        ]
        return found


def local(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(PARIS)


@dataclass(frozen=True)
class Script:
    id: str
    messages: tuple[str, ...]
    reply: str  # a regular expression for the whole last reply
    seeds: tuple[dict[str, Any], ...] = ()


SCRIPTS = [
    Script(
        "add-and-list",
        ("add buy milk tomorrow #errand", "show my tasks"),
        r"You have 1 open task:\n1\. buy milk \u2014 due tomorrow at 09:00 \u00b7 #errand",
    ),
    Script(
        "add-recurring",
        ("add pay rent every month on the 1st at 9am high #home remind me 1 day before",),
        rf"Added \u201cpay rent\u201d, due {DAY} at 09:00, repeating monthly, high priority, tagged #home, "
        r"with a reminder 1 day before\.",
    ),
    Script(
        "search",
        ("search milk",),
        r"You have 1 task matching \u201cmilk\u201d:\n1\. Buy milk",
        ({"title": "Buy milk"},),
    ),
    Script(
        "complete-by-title",
        ("complete buy milk",),
        r"Nice work! \u201cBuy milk\u201d is done\.",
        ({"title": "Buy milk"},),
    ),
    Script("complete-by-it", ("add call mom", "mark it done"), r"Nice work! \u201ccall mom\u201d is done\."),
    Script(
        "reopen-it",
        ("add call mom", "done", "reopen it"),
        r"Reopened \u201ccall mom\u201d; it's back on your list\.",
    ),
    Script(
        "delete-by-title", ("delete buy milk",), r"Deleted \u201cBuy milk\u201d\.", ({"title": "Buy milk"},)
    ),
    Script("delete-it", ("add call mom", "delete it"), r"Deleted \u201ccall mom\u201d\."),
    Script(
        "reschedule-it",
        ("add call mom tomorrow at 5pm", "move it to friday 3pm"),
        rf"Moved \u201ccall mom\u201d to {DAY} at 15:00\.",
    ),
    Script(
        "ambiguous",
        ("complete report",),
        r"2 tasks match \u201creport\u201d\. Which one should I complete\?\n1\. .+\n2\. .+\n"
        r"Reply with the number, e\.g\. '1'\.",
        ({"title": "Write report"}, {"title": "Read report"}),
    ),
    Script(
        "ambiguous-then-number",
        ("complete report", "2"),
        r"Nice work! \u201c(Write|Read) report\u201d is done\.",
        ({"title": "Write report"}, {"title": "Read report"}),
    ),
    Script(
        "unknown", ("blorp the florp",), r"Sorry, I didn't understand \u201cblorp the florp\u201d\. Try .+"
    ),
    Script("help", ("help",), r"I can manage your tasks\. Try:\n(.|\n)+"),
]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.id for s in SCRIPTS])
def test_chat_script(api: Api, script: Script) -> None:
    talk = Talk(api)
    for seed in script.seeds:
        api.new_task(**seed)
    for message in script.messages:
        reply = talk.say(message)
    assert re.fullmatch(script.reply, reply["reply"]), reply["reply"]


def test_chat_changes_are_real_tasks_in_the_users_time_zone(api: Api) -> None:
    talk = Talk(api)
    added = talk.say("add call mom tomorrow at 5pm")["tasks"][0]
    assert local(added["due_at"]).hour == 17
    assert api.get(f"/api/tasks/{added['id']}").json()["title"] == "call mom"
    moved = talk.say("move it to friday 3pm")["tasks"][0]
    assert moved["id"] == added["id"]
    assert (local(moved["due_at"]).strftime("%A"), local(moved["due_at"]).hour) == ("Friday", 15)
    done = talk.say("complete it")["tasks"][0]
    assert api.get(f"/api/tasks/{added['id']}").json()["status"] == "completed" == done["status"]
    talk.say("delete it")
    assert api.get(f"/api/tasks/{added['id']}").status_code == 404


def test_a_list_reply_carries_the_listed_tasks(api: Api) -> None:
    first = api.new_task(title="Pay rent", priority="high", tags=["home"])
    api.new_task(title="Buy milk", priority="low")
    reply = Talk(api).say("show high priority tasks")
    assert [task["id"] for task in reply["tasks"]] == [first["id"]]
    assert (
        reply["reply"] == "You have 1 open high-priority task:\n1. Pay rent \u2014 high priority \u00b7 #home"
    )


def test_the_conversation_can_be_read_back(api: Api) -> None:
    talk = Talk(api)
    talk.say("add buy milk")
    added = talk.say("add pay rent")["tasks"][0]
    response = api.get(f"/api/chat/{talk.conversation_id}")
    assert response.status_code == 200
    conversation = response.json()
    assert conversation["id"] == talk.conversation_id
    assert conversation["last_task_id"] == added["id"]
    assert [(m["role"], m["text"]) for m in conversation["messages"]] == [
        ("user", "add buy milk"),
        ("assistant", "Added \u201cbuy milk\u201d."),
        ("user", "add pay rent"),
        ("assistant", "Added \u201cpay rent\u201d."),
    ]
    assert conversation["messages"][3]["task_ids"] == [added["id"]]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", m["time"]) for m in conversation["messages"]
    )


def test_another_users_conversation_is_a_404(api: Api, other_api: Api) -> None:
    talk = Talk(api)
    talk.say("add buy milk")
    assert talk.conversation_id is not None
    peek = other_api.get(f"/api/chat/{talk.conversation_id}")
    assert peek.status_code == 404
    assert peek.headers["content-type"] == "application/problem+json"
    hijack = other_api.post(
        "/api/chat", json={"message": "complete it", "conversation_id": talk.conversation_id}
    )
    assert hijack.status_code == 404
    # The other user's own chat cannot see or touch the first user's tasks either.
    stranger = Talk(other_api).say("complete buy milk")
    assert stranger["reply"].startswith("I couldn't find a task called \u201cbuy milk\u201d")
    assert talk.task("buy milk")["status"] == "open"
    assert api.get("/api/chat/not-a-conversation").status_code == 404


def test_bad_requests_say_what_is_wrong(api: Api) -> None:
    empty = api.post("/api/chat", json={})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "message"
    assert api.post("/api/chat", json={"message": "hi", "conversation_id": "nope"}).status_code == 404
    assert api.post("/api/chat", content=b"hi", headers={"Content-Type": "text/plain"}).status_code == 415
    anonymous = api.post("/api/chat", json={"message": "hi"}, headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_concurrent_messages_to_one_conversation_are_all_kept(api: Api) -> None:
    talk = Talk(api)
    talk.say("hello")
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(talk.say, [f"add parallel task {n}" for n in range(4)]))
    assert sorted(r["reply"] for r in replies) == [f"Added \u201cparallel task {n}\u201d." for n in range(4)]
    conversation = api.get(f"/api/chat/{talk.conversation_id}").json()
    texts = [m["text"] for m in conversation["messages"]]
    assert len(texts) == 10
    assert sorted(t for t in texts if t.startswith("add ")) == [f"add parallel task {n}" for n in range(4)]
    assert api.get("/api/tasks", params={"q": "parallel"}).json()["total"] == 4
