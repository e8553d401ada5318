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
  const done = () => { scanCodes.shift(); if (scanCodes.length) scanSendNext(); };
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
});
