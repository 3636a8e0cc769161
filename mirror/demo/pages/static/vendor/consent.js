/* Consent manager: stores the choice and tells the ad partners about it. */
window.acceptAll = function () { document.cookie = 'consent=all; max-age=31536000; path=/'; new Image().src = '/px.gif?consent=all'; };
window.rejectAll = function () { document.cookie = 'consent=none; max-age=31536000; path=/'; new Image().src = '/px.gif?consent=none'; };
window.__pwned = 'external consent.js ran';
