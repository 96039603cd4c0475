// The assistant panel: talk to POST /api/chat; the conversation id is kept so a reload resumes the same thread.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { emit } from "../events.js";
import { icon } from "../icons.js";
import { user } from "../session.js";
import { CLOCK, formatDateTime } from "../time.js";

const EXAMPLES = [
  "add pay rent every month on the 1st at 9am high #home remind me 1 day before",
  "what's due this week?",
  "show high priority work tasks",
];

export function chatPanel() {
  const storageKey = `doable.chat.${user().id}`;
  let conversationId = localStorage.getItem(storageKey);
  let restored = false;

  const log = h("div", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const input = h("input", { type: "text", id: "chat-input", autocomplete: "off", placeholder: "Add, find, complete, reschedule…", maxLength: 500 });
  const send = h("button", { type: "submit", class: "btn btn-primary icon-only", "aria-label": "Send" }, icon("send", 18));
  const form = h("form", { class: "chat-form", onsubmit: (event) => { event.preventDefault(); ask(input.value); } },
    h("label", { htmlFor: "chat-input", class: "sr-only" }, "Message the assistant"), input, send);
  const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Close assistant", onclick: () => setOpen(false) }, icon("close"));
  const panel = h("aside", { class: "chat-panel", id: "chat", hidden: true, "aria-labelledby": "chat-title" },
    h("header", { class: "chat-head" }, h("h2", { id: "chat-title" }, icon("sparkles", 18), "Assistant"), close),
    log, form);
  const button = h("button", {
    type: "button", class: "icon-btn", "aria-label": "Assistant", "aria-expanded": "false", "aria-controls": "chat",
    onclick: () => setOpen(panel.hidden),
  }, icon("chat", 20));

  function bubble(role, text, tasks = []) {
    return h("div", { class: `msg msg-${role}` },
      h("span", { class: "sr-only" }, role === "user" ? "You said:" : "Assistant:"),
      h("p", {}, text),
      tasks.length > 0 && h("ul", { class: "msg-tasks" }, tasks.map((t) =>
        h("li", { class: t.status === "completed" ? "is-done" : "" },
          h("span", { class: "msg-task-title" }, t.title),
          h("span", { class: "hint" }, [t.status === "completed" ? "done" : t.priority, t.due_at && formatDateTime(t.due_at)].filter(Boolean).join(" · "))))));
  }

  function intro() {
    return h("div", { class: "chat-intro" },
      h("p", {}, "Tell me what to do in plain words. For example:"),
      h("div", { class: "suggestions" }, EXAMPLES.map((text) =>
        h("button", { type: "button", class: "chip chip-suggest", onclick: () => { input.value = text; input.focus(); } }, text))));
  }

  function scroll() {
    log.scrollTop = log.scrollHeight;
  }

  async function restore() {
    restored = true;
    replace(log, intro());
    if (!conversationId) return;
    try {
      const conversation = await api(`/chat/${encodeURIComponent(conversationId)}`);
      const messages = conversation.messages ?? [];
      if (messages.length) replace(log, messages.map((m) => bubble(m.role === "user" ? "user" : "assistant", m.text)));
      scroll();
    } catch {
      conversationId = null; // gone or expired: start a fresh one
      localStorage.removeItem(storageKey);
    }
  }

  async function ask(text) {
    const message = text.trim();
    if (!message) return;
    log.querySelector(".chat-intro")?.remove();
    log.append(bubble("user", message));
    input.value = "";
    const typing = h("div", { class: "msg msg-assistant msg-typing" }, h("p", {}, "Thinking…"));
    log.append(typing);
    scroll();
    send.disabled = true;
    try {
      const result = await api("/chat", { method: "POST", body: { message, clock: CLOCK, ...(conversationId && { conversation_id: conversationId }) } });
      conversationId = result.conversation_id;
      localStorage.setItem(storageKey, conversationId);
      typing.replaceWith(bubble("assistant", result.reply, result.tasks ?? []));
      if ((result.tasks ?? []).length) emit("tasks-changed", null);
    } catch (error) {
      typing.replaceWith(h("div", { class: "msg msg-error", role: "alert" },
        h("p", {}, error.status === 404 ? "The assistant isn't available on this server yet." : error.message)));
    } finally {
      send.disabled = false;
      scroll();
      input.focus();
    }
  }

  function setOpen(open) {
    panel.hidden = !open;
    document.body.classList.toggle("chat-open", open);
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!restored) restore();
      input.focus();
    } else {
      button.focus();
    }
  }

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  return { button, panel };
}
