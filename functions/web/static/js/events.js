// An app-wide event bus, so independent parts (chat, notifications, list) can say "tasks changed" without knowing each other.

const bus = new EventTarget();

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

/** Subscribes; returns the function that unsubscribes. */
export function on(name, handler) {
  const listener = (event) => handler(event.detail);
  bus.addEventListener(name, listener);
  return () => bus.removeEventListener(name, listener);
}
