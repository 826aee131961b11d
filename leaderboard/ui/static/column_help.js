// Set a hover title on each leaderboard header from the JSON map that the
// server writes into #column-help-data, and keep it in step after each update.
(function () {
  function applyHelp() {
    var holder = document.getElementById("column-help-data");
    if (!holder) return;
    var help;
    try {
      help = JSON.parse(holder.getAttribute("data-help") || "{}");
    } catch (error) {
      return;
    }
    var headers = document.querySelectorAll("#leaderboard-table th");
    headers.forEach(function (th) {
      var text = (th.innerText || "").trim();
      if (help[text] && th.getAttribute("title") !== help[text]) {
        th.setAttribute("title", help[text]);
      }
    });
  }
  var scheduled = false;
  var observer = new MutationObserver(function () {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      applyHelp();
    });
  });
  function start() {
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    applyHelp();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
