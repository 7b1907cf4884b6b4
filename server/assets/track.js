/* Partner portal tracking snippet. Paste on every page of your site:
   <script src="https://PORTAL/js/track.js" data-key="pk_..." data-window-days="90" async></script>
   It keeps the click id a referral link added to the landing URL in a first-party cookie for
   the attribution window, and portal.signup({ key, email, name }) reports a signup. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var publicKey = script.getAttribute("data-key") || "";
  var days = parseInt(script.getAttribute("data-window-days"), 10);
  if (!(days > 0)) days = 90;
  var clickParam = script.getAttribute("data-click-param") || "click_id";
  var NAME = "portal_ref";

  function read() {
    var match = document.cookie.match(/(?:^|; )portal_ref=([^;]*)/);
    if (!match) return {};
    try { return JSON.parse(decodeURIComponent(match[1])) || {}; } catch (e) { return {}; }
  }

  function write(value) {
    document.cookie = NAME + "=" + encodeURIComponent(JSON.stringify(value)) +
      "; Max-Age=" + days * 86400 + "; Path=/; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  // The first click is kept for first-click programs, the latest for last-click ones; the
  // portal picks by the program's setting and checks the window itself.
  var click = new URLSearchParams(location.search).get(clickParam);
  if (click && /^[A-Za-z0-9]{6,32}$/.test(click)) {
    var stored = read();
    if (!stored.first) stored.first = click;
    stored.last = click;
    write(stored);
  }

  function clickIds() {
    var stored = read();
    var ids = [];
    if (stored.first) ids.push(stored.first);
    if (stored.last && stored.last !== stored.first) ids.push(stored.last);
    return ids;
  }

  // text/plain keeps the request "simple": no preflight; the portal answers with CORS headers
  // only for the program's allowed domains.
  function signup(details) {
    details = details || {};
    var body = JSON.stringify({
      public_key: publicKey,
      key: String(details.key == null ? "" : details.key),
      email: String(details.email == null ? "" : details.email),
      name: String(details.name == null ? "" : details.name),
      click_ids: clickIds()
    });
    return fetch(origin + "/api/v1/track/signup", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: true,
      headers: { "Content-Type": "text/plain" },
      body: body
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer && answer.error ? answer.error.message : "Signup not recorded");
        return answer;
      });
    });
  }

  var portal = window.portal = window.portal || {};
  portal.signup = signup;
  portal.clickIds = clickIds;
})();
