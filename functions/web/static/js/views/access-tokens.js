// Settings' "Access tokens": personal access tokens for AI agents (MCP) and scripts, created, listed and revoked here.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { clearErrors, field, showErrors } from "../forms.js";
import { formatDateTime, relative } from "../time.js";
import { toast } from "../toast.js";

const EXPIRIES = [[7, "7 days"], [30, "30 days"], [90, "90 days"], [365, "1 year"]];

/** The JSON an MCP client (Claude Desktop, Cursor, VS Code, the SDK) takes to reach this server with `token`. */
export function mcpConfig(token, origin = location.origin) {
  const server = { type: "http", url: `${origin}/api/mcp`, headers: { Authorization: `Bearer ${token}` } };
  return JSON.stringify({ mcpServers: { doable: server } }, null, 2);
}

function copyButton(label, text) {
  return h("button", {
    type: "button", class: "btn btn-outline btn-sm",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text());
        toast(`${label} copied`);
      } catch {
        toast("Copying is blocked here; select the text and copy it instead", { kind: "error" });
      }
    },
  }, `Copy ${label.toLowerCase()}`);
}

export function accessTokensSection() {
  const name = h("input", { type: "text", name: "name", maxLength: 100, placeholder: "e.g. Claude Desktop", autocomplete: "off" });
  const scope = h("select", { name: "scope" },
    h("option", { value: "read" }, "Read only: list and read tasks"),
    h("option", { value: "write" }, "Read and write: also add, change and delete"));
  const expiry = h("select", { name: "expires_in_days" }, EXPIRIES.map(([days, label]) => h("option", { value: days, selected: days === 30 }, label)));
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create token");
  const created = h("div", { class: "token-created", hidden: true });
  const list = h("ul", { class: "token-list", "aria-label": "Your access tokens" });

  const form = h("form", { class: "stack", novalidate: true, onsubmit: (event) => { event.preventDefault(); create(); } },
    field("name", "Token name", name, "What the token is for, so you know which to revoke."),
    field("scope", "Access level", scope),
    field("expires_in_days", "Expires after", expiry),
    h("div", { class: "form-actions" }, submit));

  async function create() {
    clearErrors(form);
    submit.disabled = true;
    try {
      const made = await api("/tokens", { method: "POST", body: { name: name.value.trim(), scope: scope.value, expires_in_days: Number(expiry.value) } });
      name.value = "";
      showCreated(made);
      await load();
    } catch (error) {
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  }

  function showCreated(made) {
    const config = mcpConfig(made.token);
    created.hidden = false;
    replace(created,
      h("h3", {}, `“${made.name}” is ready`),
      h("p", { class: "hint" }, "Copy the token now: it is not shown again. Anyone who has it acts as you until it expires or you revoke it."),
      h("pre", { class: "token-value", tabIndex: 0, "aria-label": "New access token" }, made.token),
      h("div", { class: "row" }, copyButton("Token", () => made.token)),
      h("p", {}, "MCP client configuration (Claude Desktop, Cursor, VS Code…): paste it into the client's MCP servers file."),
      h("pre", { class: "mcp-config", tabIndex: 0, "aria-label": "MCP client configuration" }, config),
      h("div", { class: "row" },
        copyButton("Configuration", () => config),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => { created.hidden = true; replace(created); } }, "Done")));
    created.querySelector(".token-value").focus();
  }

  function row(item) {
    const expired = new Date(item.expires_at).getTime() <= Date.now();
    const actions = h("div", { class: "row" });
    const ask = () => replace(actions,
      h("span", {}, "Revoke it? It stops working at once."),
      h("button", { type: "button", class: "btn btn-danger btn-sm", onclick: () => revoke(item) }, "Revoke"),
      h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => replace(actions, revokeButton) }, "Cancel"));
    const revokeButton = h("button", { type: "button", class: "btn btn-danger-outline btn-sm", "aria-label": `Revoke ${item.name}`, onclick: ask }, "Revoke");
    actions.append(revokeButton);
    return h("li", { class: "token-item", dataset: { tokenId: item.id } },
      h("div", {},
        h("strong", {}, item.name), " ",
        h("span", { class: `badge ${item.scope === "write" ? "badge-soon" : "badge-read"}` }, item.scope === "write" ? "read & write" : "read only"),
        h("p", { class: "hint" },
          expired ? `Expired ${formatDateTime(item.expires_at)}` : `Expires ${formatDateTime(item.expires_at)}`,
          " · ", item.last_used_at ? `last used ${relative(item.last_used_at)}` : "never used")),
      actions);
  }

  async function revoke(item) {
    try {
      await api(`/tokens/${item.id}`, { method: "DELETE" });
      toast(`Revoked “${item.name}”`);
      await load();
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
  }

  async function load() {
    try {
      const { items } = await api("/tokens");
      replace(list, items.length ? items.map(row) : h("li", { class: "muted" }, "No access tokens yet."));
    } catch (error) {
      replace(list, h("li", { class: "form-error", role: "alert" }, error.message));
    }
  }

  load();
  return h("section", { class: "card", "aria-labelledby": "tokens-title" },
    h("h2", { id: "tokens-title" }, "Access tokens"),
    h("p", { class: "hint token-intro" }, "For AI agents (MCP) and scripts, such as the terminal client with DOABLE_TOKEN. A read-only token can list and read your tasks; a read-and-write token can also change them."),
    form, created, h("h3", {}, "Your tokens"), list);
}
