// Copy buttons: <button data-copy="text">. Uses the Clipboard API, falls back to selecting
// the text so that Ctrl+C works; the button (its .copy-state part, when it has one, so that
// a hidden label stays) says what happened.
// What was copied when: a live table's refresh redraws the buttons, and those copied in the
// last 10 seconds say so again.
var copiedAt = {};
document.addEventListener("htmx:afterSettle", function () {
  var now = Date.now();
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var text = button.getAttribute("data-copy");
    if (copiedAt[text] && now - copiedAt[text] < 10000) {
      (button.querySelector(".copy-state") || button).textContent = "Copied";
      button.setAttribute("data-copied", text);
    }
  });
});
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var text = button.getAttribute("data-copy");
  var state = button.querySelector(".copy-state") || button;
  var done = function () {
    state.textContent = "Copied"; button.setAttribute("data-copied", text); copiedAt[text] = Date.now();
  };
  var fallback = function () {
    var field = document.createElement("textarea");
    field.value = text; document.body.appendChild(field); field.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(field);
    if (ok) { done(); } else { state.textContent = "Press Ctrl+C"; }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
});
