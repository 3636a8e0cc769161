/* Счётчик посещений. */
(function () { new Image().src = '/px.gif?c=vestnik&r=' + encodeURIComponent(document.referrer); window.__pwned = 'counter.js ran'; })();
