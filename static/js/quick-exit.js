/* Quick exit: a visible button on every page, and pressing Shift three times within five seconds.
   Both first tell the server to end the session (sendBeacon, so leaving is never delayed), then
   replace the current history entry with a neutral site, so "Back" does not return here.
   Follows the GOV.UK "Exit this page" pattern. */
(function () {
  "use strict";
  var PRESSES = 3;
  var WINDOW_MS = 5000;
  var presses = [];
  var leaving = false;

  function form() { return document.querySelector("form[data-quick-exit]"); }

  function exitNow() {
    if (leaving) { return; }
    leaving = true;
    var f = form();
    var target = (f && f.getAttribute("data-exit-url")) || "https://www.bbc.co.uk/weather";
    try {
      if (f && navigator.sendBeacon) {
        navigator.sendBeacon(f.action, new FormData(f));
      }
    } catch (e) { /* leaving matters more than signing out */ }
    try { document.body.innerHTML = ""; document.title = ""; } catch (e) { /* ignore */ }
    window.location.replace(target);
  }

  document.addEventListener("submit", function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-quick-exit")) {
      event.preventDefault();
      exitNow();
    }
  }, true);

  // Count a Shift press only when Shift went down and up on its own: capital letters and Shift+Tab
  // (Shift held with another key) do not count, and any other key starts the count again.
  var shiftAlone = false;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      if (!event.repeat) { shiftAlone = true; }
      return;
    }
    shiftAlone = false;
    presses = [];
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !shiftAlone) { return; }
    shiftAlone = false;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < WINDOW_MS; });
    presses.push(now);
    if (presses.length >= PRESSES) { exitNow(); }
  });

  // Language switcher: change as soon as a language is chosen (the button stays for keyboard users).
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "language-select") { event.target.form.submit(); }
  });
})();
