// The one way the app talks to /api: adds the bearer token, speaks JSON, and turns problem+json into ApiError.
import { emit } from "./events.js";
import { token } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed (${status})`);
    this.status = status;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/** Calls the API; resolves with the parsed body (null for 204) or rejects with ApiError. */
export async function api(path, { method = "GET", body, headers = {}, params } = {}) {
  const bearer = token();
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (bearer) init.headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const query = params ? `?${params}` : "";
  let response;
  try {
    response = await fetch(`/api${path}${query}`, init);
  } catch {
    throw new ApiError(0, { detail: "Can't reach Doable. Check your connection and try again." });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (response.ok) return data;
  if (response.status === 401 && bearer) emit("unauthorized", data?.detail);
  throw new ApiError(response.status, data);
}
