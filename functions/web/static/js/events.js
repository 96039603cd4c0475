// An app-wide event bus, so independent parts (chat, notifications, list) can say "tasks changed" without knowing each other.

const bus = new EventTarget();

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

/** Subscribes until `signal` aborts (a view's lifetime). */
export function on(name, handler, signal) {
  bus.addEventListener(name, (event) => handler(event.detail), { signal });
}
