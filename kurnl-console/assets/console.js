// Copy buttons: <button data-copy="text">. Uses the Clipboard API, falls back to selecting
// the text so that Ctrl+C works; the button (its .copy-state part, when it has one, so that
// a hidden label stays) says what happened.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var text = button.getAttribute("data-copy");
  var state = button.querySelector(".copy-state") || button;
  var done = function () { state.textContent = "Copied"; button.setAttribute("data-copied", text); };
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
