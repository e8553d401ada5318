// Small progressive enhancements; every page works without them.
document.documentElement.classList.add("js");
// <span data-pick-count="name" data-one data-other>: how many checkboxes named `name` are ticked
// in its form (with the hidden ones a search hides), in the page language's plural form.
const pickCount = (out) => {
  const form = out.closest("form") || document;
  const name = out.dataset.pickCount;
  const n = form.querySelectorAll(`input[type=checkbox][name="${name}"]:checked, input[type=hidden][name="${name}"]`).length;
  const form_ = new Intl.PluralRules(document.documentElement.lang || "en").select(n) === "one" ? out.dataset.one : out.dataset.other;
  out.textContent = form_.replace("{n}", n.toLocaleString(document.documentElement.lang || "en"));
};
const pickCountAll = (root) => (root || document).querySelectorAll("[data-pick-count]").forEach(pickCount);
document.addEventListener("change", (event) => {
  if (event.target.matches("input[type=checkbox]")) pickCountAll(event.target.form);
});
document.addEventListener("htmx:afterSettle", () => pickCountAll());
document.addEventListener("click", (event) => {
  // <button data-dialog-open="id"> opens <dialog id="id">; [data-dialog-close] closes its dialog.
  const opener = event.target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialogOpen);
    if (dialog) { event.preventDefault(); dialog.showModal(); }
  }
  // Outside a dialog (the same markup on a full page) the element keeps its own behaviour.
  const closer = event.target.closest("[data-dialog-close]");
  if (closer && closer.closest("dialog")) { event.preventDefault(); closer.closest("dialog").close(); }
  // <input type=checkbox data-select-all="name"> ticks every checkbox named `name` in its form.
  const all = event.target.closest("[data-select-all]");
  if (all) {
    const form = all.form || document;
    form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`).forEach((box) => { box.checked = all.checked; });
    pickCountAll(all.form);
  }
});
// Split stock: the two allocations of a row add up to its stock; typing one fills in the other.
document.addEventListener("input", (event) => {
  const input = event.target.closest("input[data-split]");
  const row = input && input.closest("[data-split-total]");
  if (!row || input.value === "" || !/^-?\d+$/.test(input.value.trim())) return;
  const other = row.querySelector(`input[data-split="${input.dataset.split === "online" ? "store" : "online"}"]`);
  if (other) other.value = Number(row.dataset.splitTotal) - Number(input.value);
});
// A page that shows server state (the Register's cart) is reloaded when the browser restores it
// from its back/forward cache, so Back never shows a cart the server no longer holds (or hides one it does).
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector("[data-reload-on-restore]")) window.location.reload();
});
// The Register's scan box (<form data-scan-queue>). A barcode scanner types a code and Enter in a
// few milliseconds, faster than the server answers, and each answer replaces the register: a form
// sent while another answer was on its way was dropped with it. So Enter takes the code out of the
// box at once, and the codes go to the server one at a time, in order, each once (never resent:
// the server would count it again). What is typed while an answer is on its way stays in the box.
const scanCodes = [];
const scanSendNext = () => {
  // The form on the page now (its "action" field hides form.action).
  const form = document.querySelector("form[data-scan-queue]");
  const done = () => {
    scanCodes.shift();
    if (sellWaiting && !scanAdded(form)) sellWaitEnd({ focusScanBox: true });
    if (scanCodes.length) scanSendNext();
    else if (sellWaiting) sellSend();
  };
  htmx.ajax("post", form.getAttribute("action"), { source: form, values: { q: scanCodes[0] } }).then(done, done);
};
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-scan-queue]");
  if (!form || !window.htmx) return;
  event.preventDefault();
  scanCodes.push(form.elements.q.value);
  form.elements.q.value = "";
  if (scanCodes.length === 1) scanSendNext();
});
let scanTyped = "";
document.addEventListener("htmx:beforeSwap", () => {
  const box = document.querySelector("form[data-scan-queue] input[name=q]");
  scanTyped = box && box === document.activeElement ? box.value : "";
});
document.addEventListener("htmx:afterSwap", () => {
  const box = document.querySelector("form[data-scan-queue] input[name=q]");
  if (box && scanTyped) box.value = scanTyped;
  if (sellWaiting) sellWaitShow();
});
// The answer replaced the register (a new scan form), with no notice nor search results: the code is in the cart.
const scanAdded = (sentFrom) => document.querySelector("form[data-scan-queue]") !== sentFrom
  && !document.querySelector("#register-results .card, .register-find .callout");
// Sell (<form data-sell>) pressed while scans are queued or on their way: the form carries the cart as
// last shown, which lacks them, and the sale empties the cart. So the sale waits for the scans typed
// before the press, saying so on its button, then sends the sell form the last answer brought, once.
// The scan box is disabled from the press until the sale's answer: the page then leaves for the sale,
// and a code sent meanwhile would land in the sold cart (emptied with it) or be lost with the page.
// A scan that did not reach the cart (no product matches, or only by name) holds the sale: leaving
// for the sale would hide that answer. The cashier reads it and presses Sell again.
let sellWaiting = false;
const scanBoxDisable = (disabled) => {
  document.querySelectorAll("form[data-scan-queue] :is(input[name=q], button)").forEach((el) => { el.disabled = disabled; });
};
const sellWaitShow = () => {
  scanBoxDisable(true);
  document.querySelectorAll("form[data-sell] button[data-waiting]").forEach((button) => {
    button.dataset.label ??= button.textContent;
    button.textContent = button.dataset.waiting;
    button.disabled = true;
  });
};
const sellWaitEnd = ({ focusScanBox = false } = {}) => {
  sellWaiting = false;
  document.querySelectorAll("form[data-sell] button[data-label]").forEach((button) => {
    button.textContent = button.dataset.label;
    delete button.dataset.label;
    button.disabled = false;
  });
  scanBoxDisable(false);
  if (focusScanBox) document.querySelector("form[data-scan-queue] input[name=q]")?.focus();
};
const sellSend = () => {
  sellWaitEnd();
  const form = document.querySelector("form[data-sell]");
  if (form) form.requestSubmit();  // through the listener below, then htmx: the queue is empty now
};
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-sell]");
  if (!form || !window.htmx) return;
  scanBoxDisable(true);
  if (!sellWaiting && !scanCodes.length) return;  // htmx sends it
  // Capture phase: htmx's listener on the form never sees this press. A second press sells nothing.
  event.preventDefault();
  event.stopPropagation();
  if (!sellWaiting) { sellWaiting = true; sellWaitShow(); }
}, true);
document.addEventListener("htmx:afterRequest", (event) => {
  // A sale that failed (an error status, or no answer) left the register as it was: scanning goes on.
  // A 200 either replaced the register or leaves for the sale (HX-Redirect), box still disabled.
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  if (event.detail.elt.matches("form[data-sell]") && !(status >= 200 && status < 300)) scanBoxDisable(false);
});
