/* A typical page analytics tag: fingerprint, beacon, pixel. The demo serves it so that the
   request log can show that archiving never fetched it and reading never ran it. */
(function () {
  var id = localStorage.getItem('_vid') || Math.random().toString(36).slice(2);
  localStorage.setItem('_vid', id);
  var data = { v: id, p: location.pathname, r: document.referrer, w: screen.width, h: screen.height,
               tz: Intl.DateTimeFormat().resolvedOptions().timeZone, l: navigator.language };
  new Image().src = '/px.gif?e=pv&d=' + encodeURIComponent(JSON.stringify(data));
  window.lcTrack = function (e) { navigator.sendBeacon('/collect', JSON.stringify({ e: e, v: id })); };
  window.__pwned = 'external analytics.js ran';
})();
