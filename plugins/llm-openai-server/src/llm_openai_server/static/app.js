// The page of llm serve: chat with any served model through the same OpenAI API that other
// clients use, and browse the logs. The token comes from the address (#token=..., what the
// server prints) or from the form, and is kept in this tab's session storage only.
"use strict";

const CONVERSATION_HEADER = "X-LLM-Conversation-Id";
const state = { token: null, messages: [], conversationId: null, busy: false };
const $ = (id) => document.getElementById(id);

function readToken() {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    sessionStorage.setItem("llm-serve-token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  state.token = sessionStorage.getItem("llm-serve-token");
}

function askForToken(message) {
  $("token-box").hidden = false;
  setStatus(message || "A token is needed");
  $("token").focus();
}

function setStatus(text) {
  $("status").textContent = text;
}

// A refused token has already said so (and asked for another).
function report(error) {
  if (error.message !== "unauthorized") setStatus(error.message);
}

async function api(path, options) {
  const request = Object.assign({ headers: {} }, options || {});
  if (state.token) request.headers["Authorization"] = "Bearer " + state.token;
  const response = await fetch(path, request);
  if (response.status === 401) {
    askForToken(
      state.token ? "The token was refused: enter the one llm serve printed" : "A token is needed: enter the one llm serve printed"
    );
    throw new Error("unauthorized");
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      message = (await response.json()).error.message;
    } catch (ignored) {}
    throw new Error(message);
  }
  return response;
}

// ------------------------------------------------------------------ chat

async function loadModels() {
  const models = (await (await api("/api/models")).json()).models;
  const select = $("model");
  select.textContent = "";
  for (const model of models) {
    const option = document.createElement("option");
    option.value = model.name;
    option.textContent = model.name === model.model_id ? model.name : model.name + " (" + model.model_id + ")";
    select.appendChild(option);
  }
  const remembered = localStorage.getItem("llm-serve-model");
  if (remembered && models.some((m) => m.name === remembered)) select.value = remembered;
  setStatus(models.length + " models");
}

function addMessage(role, text) {
  const element = document.createElement("div");
  element.className = "message " + role;
  if (role === "user") element.textContent = text;
  else element.innerHTML = window.renderMarkdown(text);
  $("messages").appendChild(element);
  element.scrollIntoView({ block: "end" });
  return element;
}

function fileToDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function userContent(text) {
  const files = Array.from($("attachments").files);
  if (!files.length) return text;
  const parts = [{ type: "text", text: text }];
  for (const file of files) {
    const url = await fileToDataUrl(file);
    if (file.type.startsWith("image/")) parts.push({ type: "image_url", image_url: { url: url } });
    else if (file.type.startsWith("audio/"))
      parts.push({ type: "input_audio", input_audio: { data: url.split(",")[1], format: file.type.split("/")[1] } });
    else parts.push({ type: "file", file: { filename: file.name, file_data: url } });
  }
  return parts;
}

// Server-sent events from a fetch body: each "data: {...}" line is one chunk.
async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}

async function send(event) {
  event.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || state.busy) return;
  state.busy = true;
  $("send").disabled = true;
  const content = await userContent(text);
  const shown = text + ($("attachments").files.length ? "\n[" + $("attachments").files.length + " attached]" : "");
  addMessage("user", shown);
  $("prompt").value = "";
  $("attachments").value = "";
  $("attached").textContent = "";
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  state.messages.push({ role: "user", content: content });
  const answer = addMessage("assistant", "");
  answer.classList.add("streaming");
  let reply = "";
  let reasoning = "";
  try {
    const headers = { "Content-Type": "application/json" };
    if (state.conversationId) headers[CONVERSATION_HEADER] = state.conversationId;
    const response = await api("/v1/chat/completions", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({
        model: $("model").value,
        messages: messages.concat(state.messages),
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    state.conversationId = response.headers.get(CONVERSATION_HEADER) || state.conversationId;
    for await (const chunk of sseEvents(response)) {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) setStatus(chunk.usage.prompt_tokens + " in, " + chunk.usage.completion_tokens + " out");
      const delta = (chunk.choices && chunk.choices[0] && chunk.choices[0].delta) || {};
      if (delta.reasoning_content) reasoning += delta.reasoning_content;
      if (delta.content) reply += delta.content;
      answer.innerHTML =
        (reasoning ? '<div class="reasoning">' + window.escapeHtml(reasoning) + "</div>" : "") +
        window.renderMarkdown(reply);
    }
    state.messages.push({ role: "assistant", content: reply });
  } catch (error) {
    state.messages.pop();
    answer.classList.add("error");
    answer.textContent = error.message;
  } finally {
    answer.classList.remove("streaming");
    answer.classList.add("done");
    state.busy = false;
    $("send").disabled = false;
  }
}

function newChat() {
  state.messages = [];
  state.conversationId = null;
  $("messages").textContent = "";
  $("prompt").focus();
}

// ------------------------------------------------------------------ logs

function when(record) {
  return (record.datetime_utc || "").replace("T", " ").slice(0, 19);
}

function listItem(title, meta, onOpen) {
  const item = document.createElement("li");
  const heading = document.createElement("div");
  heading.textContent = title;
  const detail = document.createElement("div");
  detail.className = "meta";
  detail.textContent = meta;
  item.append(heading, detail);
  item.addEventListener("click", () => {
    for (const other of $("results").children) other.classList.remove("selected");
    item.classList.add("selected");
    onOpen();
  });
  $("results").appendChild(item);
}

function section(title, body, markdown) {
  if (body === null || body === undefined || body === "" || (Array.isArray(body) && !body.length)) return "";
  const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
  const html = markdown ? window.renderMarkdown(text) : '<div class="plain">' + window.escapeHtml(text) + "</div>";
  return "<h3>" + title + "</h3>" + html;
}

function showExchanges(records) {
  $("detail").innerHTML = records
    .map(
      (r) =>
        '<div class="exchange" data-id="' + window.escapeHtml(r.id) + '">' +
        '<div class="meta">' + window.escapeHtml(when(r) + " · " + r.model + " · " + r.id +
          (r.input_tokens !== null ? " · " + r.input_tokens + " in, " + r.output_tokens + " out" : "") +
          (r.duration_ms !== null ? " · " + r.duration_ms + " ms" : "")) + "</div>" +
        section("System", r.system) +
        section("Prompt", r.prompt) +
        section("Attachments", (r.attachments || []).map((a) => a.type + " " + (a.url || a.path || a.content_length + " bytes")).join("\n")) +
        section("Tool results", r.tool_results) +
        section("Response", r.response, true) +
        section("Tool calls", r.tool_calls) +
        section("Options", r.options && Object.keys(r.options).length ? r.options : null) +
        section("Schema", r.schema) +
        "</div>"
    )
    .join("");
}

async function openConversation(id) {
  const found = await (await api("/api/logs/conversations/" + encodeURIComponent(id))).json();
  showExchanges(found.responses);
}

async function openResponse(id) {
  showExchanges([await (await api("/api/logs/responses/" + encodeURIComponent(id))).json()]);
}

async function recent() {
  $("results").textContent = "";
  $("detail").textContent = "";
  const found = (await (await api("/api/logs/conversations")).json()).conversations;
  if (!found.length) $("detail").textContent = "Nothing logged yet.";
  for (const c of found) {
    listItem(c.name || c.preview || c.id, when({ datetime_utc: c.latest }) + " · " + c.model + " · " + c.responses + " responses", () => openConversation(c.id));
  }
}

async function search(event) {
  event.preventDefault();
  const query = $("search").value.trim();
  if (!query) return recent();
  $("results").textContent = "";
  $("detail").textContent = "";
  const found = (await (await api("/api/logs/search?q=" + encodeURIComponent(query))).json()).results;
  if (!found.length) $("detail").textContent = "No match for " + query;
  for (const r of found) {
    listItem((r.prompt || "").slice(0, 120), when(r) + " · " + r.model, () => openResponse(r.id));
  }
}

// ------------------------------------------------------------------ wiring

function show(view) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === view);
  $("view-chat").hidden = view !== "chat";
  $("view-logs").hidden = view !== "logs";
  if (view === "logs") recent().catch(report);
}

async function start() {
  readToken();
  // Without a token, ask the server: one started with --no-auth needs none.
  await loadModels().catch(report);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("llm-serve-token", $("token").value.trim());
  state.token = $("token").value.trim();
  $("token-box").hidden = true;
  loadModels().catch(report);
});
$("chat-form").addEventListener("submit", send);
$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) send(event);
});
$("model").addEventListener("change", () => localStorage.setItem("llm-serve-model", $("model").value));
$("attachments").addEventListener("change", () => {
  $("attached").textContent = Array.from($("attachments").files).map((f) => f.name).join(", ");
});
$("new-chat").addEventListener("click", newChat);
$("search-form").addEventListener("submit", search);
$("recent-button").addEventListener("click", () => recent().catch(report));
for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
start();
