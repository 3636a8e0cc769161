
"use strict";
/* mirror's self-decrypting bundle: PBKDF2-HMAC-SHA256 -> AES-256-GCM in 64 KiB
   chunks (nonce = prefix || counter || final flag, the parameters as
   associated data), then the ZIP payload is read here and each article page
   is shown in an <iframe sandbox> that cannot run script. Nothing is fetched. */
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var form = $("unlock"), input = $("passphrase"), button = $("open"), message = $("message");
  var paramsText = $("mirror-params").textContent;
  var words = JSON.parse($("mirror-strings").textContent);
  var zip = null, entries = null, articles = [];

  /* A message of the page's language, its {fields} filled in. */
  function t(key, fields) {
    return String(words[key] || key).replace(/\{(\w+)\}/g, function (m, k) {
      return fields && k in fields ? String(fields[k]) : m;
    });
  }

  function say(text, bad) {
    message.textContent = text;
    message.className = bad ? "bad" : "";
  }

  function fromBase64(text) {
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function fail(kind, detail) {
    var e = new Error(detail || kind);
    e.kind = kind;
    return e;
  }

  function readParams() {
    var p = JSON.parse(paramsText);
    if (p.format !== "mirror-html-bundle" || p.version !== 1 || p.kdf !== "PBKDF2-HMAC-SHA256" ||
        p.cipher !== "AES-256-GCM" || p.chunk_size !== 65536 || !(p.iterations >= 1)) {
      throw fail("format", "unsupported bundle parameters");
    }
    return p;
  }

  function nonce(prefix, counter, final) {
    var n = new Uint8Array(12);
    n.set(prefix, 0);
    for (var k = 10; k >= 4; k--) { n[k] = counter % 256; counter = Math.floor(counter / 256); }
    n[11] = final ? 1 : 0;
    return n;
  }

  async function decryptPayload(passphrase) {
    var p = readParams();
    var subtle = crypto.subtle;
    var base = await subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
    var key = await subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: fromBase64(p.salt), iterations: p.iterations },
                                     base, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    var prefix = fromBase64(p.nonce_prefix), aad = new TextEncoder().encode(paramsText);
    var lines = $("mirror-payload").textContent.split(/\r?\n/).filter(function (l) { return l.length > 0; });
    if (!lines.length) throw fail("damaged", "no payload");
    var parts = [], total = 0;
    for (var i = 0; i < lines.length; i++) {
      var plain;
      try {
        plain = await subtle.decrypt({ name: "AES-GCM", iv: nonce(prefix, i, i === lines.length - 1), additionalData: aad, tagLength: 128 },
                                     key, fromBase64(lines[i]));
      } catch (e) {
        throw fail(i === 0 ? "wrong" : "damaged", "part " + (i + 1) + " of " + lines.length);
      }
      if (i < lines.length - 1 && plain.byteLength !== 65536) throw fail("damaged", "short part " + (i + 1));
      parts.push(new Uint8Array(plain));
      total += plain.byteLength;
      if (i % 16 === 15) say(t("decrypting", { pct: Math.floor(100 * (i + 1) / lines.length) }));
    }
    var all = new Uint8Array(total), off = 0;
    parts.forEach(function (part) { all.set(part, off); off += part.length; });
    return all;
  }

  /* The ZIP is the tool's own (stored and deflated entries, no data
     descriptors, ZIP64 where a count, size or offset does not fit in the
     plain fields); every offset is checked against the buffer. */
  function u64(dv, at) {
    var lo = dv.getUint32(at, true), hi = dv.getUint32(at + 4, true);
    if (hi >= 0x200000) throw fail("damaged", "zip value too large");
    return hi * 4294967296 + lo;
  }

  function within(buf, at, n) {
    if (at < 0 || at + n > buf.length) throw fail("damaged", "zip record out of bounds");
    return at;
  }

  /* The values of the fields that hold a sentinel, from the ZIP64 extra field (tag 1). */
  function widen(dv, values, from, to) {
    var wide = values.filter(function (v) { return v === 0xffffffff; }).length;
    if (!wide) return values;
    for (var at = from; at + 4 <= to; at += 4 + dv.getUint16(at + 2, true)) {
      if (dv.getUint16(at, true) !== 1) continue;
      if (dv.getUint16(at + 2, true) < 8 * wide || at + 4 + 8 * wide > to) break;
      var k = 0;
      return values.map(function (v) { return v === 0xffffffff ? u64(dv, at + 4 + 8 * k++) : v; });
    }
    throw fail("damaged", "zip64 field missing");
  }

  function readZip(buf) {
    var dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    var end = -1;
    for (var i = buf.length - 22; i >= 0 && i >= buf.length - 22 - 65535; i--) {
      if (dv.getUint32(i, true) === 0x06054b50) { end = i; break; }
    }
    if (end < 0) throw fail("damaged", "no zip directory");
    var count = dv.getUint16(end + 10, true), at = dv.getUint32(end + 16, true);
    if (count === 0xffff || at === 0xffffffff) {
      var loc = within(buf, end - 20, 20);
      if (dv.getUint32(loc, true) !== 0x07064b50) throw fail("damaged", "no zip64 locator");
      var rec = within(buf, u64(dv, loc + 8), 56);
      if (dv.getUint32(rec, true) !== 0x06064b50) throw fail("damaged", "no zip64 directory");
      count = u64(dv, rec + 32);
      at = u64(dv, rec + 48);
    }
    var names = new TextDecoder("utf-8", { fatal: true }), map = new Map();
    for (var n = 0; n < count; n++) {
      within(buf, at, 46);
      if (dv.getUint32(at, true) !== 0x02014b50) throw fail("damaged", "bad zip directory");
      var method = dv.getUint16(at + 10, true);
      var nlen = dv.getUint16(at + 28, true), elen = dv.getUint16(at + 30, true), clen = dv.getUint16(at + 32, true);
      within(buf, at, 46 + nlen + elen + clen);
      var sizes = widen(dv, [dv.getUint32(at + 24, true), dv.getUint32(at + 20, true), dv.getUint32(at + 42, true)],
                        at + 46 + nlen, at + 46 + nlen + elen);
      var usize = sizes[0], csize = sizes[1], local = within(buf, sizes[2], 30);
      var name = names.decode(buf.subarray(at + 46, at + 46 + nlen));
      if (dv.getUint32(local, true) !== 0x04034b50) throw fail("damaged", "bad zip entry");
      var start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
      if (start + csize > buf.length) throw fail("damaged", "zip entry out of bounds");
      map.set(name, { method: method, csize: csize, usize: usize, start: start });
      at += 46 + nlen + elen + clen;
    }
    return map;
  }

  async function entry(name) {
    var e = entries.get(name);
    if (!e) return null;
    var data = zip.subarray(e.start, e.start + e.csize), out;
    if (e.method === 0) {
      out = data;
    } else if (e.method === 8) {
      var stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      out = new Uint8Array(await new Response(stream).arrayBuffer());
    } else {
      throw fail("damaged", "unknown compression in " + name);
    }
    if (out.length !== e.usize) throw fail("damaged", "bad size of " + name);
    return new TextDecoder("utf-8", { fatal: true }).decode(out);
  }

  /* Pages carry links for a folder of files (index, previous, next); a
     frame here cannot follow them, so they are taken out and this page's
     own bar does their work. Parsing runs nothing. */
  function withoutPager(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var navs = doc.querySelectorAll("nav.pager");
    if (!navs.length) return html;
    navs.forEach(function (n) { n.remove(); });
    return "<!DOCTYPE html>\n" + doc.documentElement.outerHTML;
  }

  /* A new frame for every article: navigating one frame would add entries to
     the session history, and the browser's Back button would step through
     them instead of returning to the list. */
  function setFrame(html, title) {
    var old = $("frame");
    if (old) old.remove();
    if (html === null) return;
    var frame = document.createElement("iframe");
    frame.id = "frame";
    frame.setAttribute("sandbox", "");  /* no script, no forms, no popups, no navigation of the top page; unique origin */
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.title = title;
    frame.srcdoc = withoutPager(html);  /* inherits this page's CSP as well */
    $("reader").appendChild(frame);
  }

  function showToc() {
    $("reader").hidden = true;
    setFrame(null);
    $("library").hidden = false;
    document.title = t("articles");
  }

  function setLink(el, article, label) {
    el.hidden = !article;
    if (!article) return;
    el.href = "#article/" + article.id;
    var title = el.querySelector(".t");
    title.textContent = article.title;
    if (article.lang) title.lang = article.lang;
    title.dir = article.dir || "auto";
  }

  /* `what` is "article" (its page) or "versions" (its versions page). */
  async function show(what, id) {
    var at = articles.findIndex(function (x) { return x.id === id; }), a = articles[at];
    var versions = a ? "articles/" + a.id + "/versions.html" : null;
    var name = !a ? null : what === "versions" ? versions : "articles/" + a.id + "/index.html";
    var html = name ? await entry(name) : null;
    if (html === null) { showToc(); return; }
    $("library").hidden = true;
    $("reader").hidden = false;
    setLink($("prev"), articles[at - 1]);
    setLink($("next"), articles[at + 1]);
    var related = $("related");
    related.hidden = !entries.has(versions);
    related.href = what === "versions" ? "#article/" + a.id : "#versions/" + a.id;
    related.textContent = what === "versions" ? t("back") : t("versions");
    setFrame(html, a.title);
    document.title = a.title;
    window.scrollTo(0, 0);
  }

  function route() {
    if (!entries) return;
    var m = /^#(article|versions)\/([0-9a-f]{16})$/.exec(location.hash);
    if (m) show(m[1], m[2]).catch(function (e) { say(t("unreadable", { detail: e.message }), true); });
    else showToc();
  }

  var LANG_RE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/, ID_RE = /^articles\/([0-9a-f]{16})\/index\.html$/;

  /* The list is the bundle's own index.html (grouped, ordered and worded
     when it was packed), copied here as text only: no markup of the bundle
     is ever inserted into this page. Its order is previous/next's. */
  function buildToc(indexHtml) {
    var doc = new DOMParser().parseFromString(indexHtml || "", "text/html");
    var toc = $("toc");
    toc.textContent = "";
    articles = [];
    var seen = new Set();
    var count = doc.querySelector("p.count");
    $("count").textContent = count ? count.textContent : "";
    doc.querySelectorAll("section.group").forEach(function (group) {
      var section = document.createElement("section"), ol = document.createElement("ol");
      var h2 = group.querySelector("h2"), note = group.querySelector("p.note");
      if (h2) { var h = document.createElement("h2"); h.textContent = h2.textContent; section.appendChild(h); }
      if (note) { var p = document.createElement("p"); p.className = "note"; p.textContent = note.textContent; section.appendChild(p); }
      ol.className = "toc";
      group.querySelectorAll("ol.toc > li").forEach(function (item) {
        var a = item.querySelector("a"), m = a && ID_RE.exec(a.getAttribute("href") || "");
        if (!m || seen.has(m[1]) || !entries.has("articles/" + m[1] + "/index.html")) return;
        seen.add(m[1]);
        var lang = item.getAttribute("lang"), dir = item.getAttribute("dir");
        var art = { id: m[1], title: a.textContent, lang: lang && LANG_RE.test(lang) ? lang : "",
                    dir: dir === "rtl" || dir === "ltr" ? dir : "auto" };
        articles.push(art);
        var li = document.createElement("li"), link = document.createElement("a"), meta = document.createElement("span");
        if (art.lang) li.lang = art.lang;
        li.dir = art.dir;
        link.href = "#article/" + art.id;
        link.textContent = art.title;
        meta.className = "meta";
        var src = item.querySelector(".meta");
        meta.textContent = src ? src.textContent : "";
        var mlang = src && src.getAttribute("lang"), mdir = src && src.getAttribute("dir");
        if (mlang && LANG_RE.test(mlang)) meta.lang = mlang;
        if (mdir === "rtl" || mdir === "ltr") meta.dir = mdir;
        li.appendChild(link);
        li.appendChild(meta);
        ol.appendChild(li);
      });
      section.appendChild(ol);
      toc.appendChild(section);
    });
  }

  /* A payload without index.html (the format allows it): a plain list
     in the same form, from the manifest. */
  function fromManifest(manifest) {
    var ol = document.createElement("ol");
    (manifest.articles || []).forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.setAttribute("href", "articles/" + a.id + "/index.html");
      link.textContent = a.title || a.url;
      li.appendChild(link);
      ol.appendChild(li);
    });
    return '<section class="group"><ol class="toc">' + ol.innerHTML + "</ol></section>";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var passphrase = input.value;
    if (!passphrase) return;
    button.disabled = true;
    say(t("deriving"));
    decryptPayload(passphrase).then(async function (plain) {
      zip = plain;
      entries = readZip(zip);
      buildToc(await entry("index.html") || fromManifest(JSON.parse(await entry("manifest.json"))));
      input.value = "";
      say("");
      $("locked").hidden = true;
      route();
    }).catch(function (e) {
      zip = entries = null;
      if (e.kind === "wrong") say(t("wrong"), true);
      else say(t("damaged", { detail: e.message }), true);
    }).finally(function () { button.disabled = false; });
  });

  window.addEventListener("hashchange", route);

  if (!(window.crypto && crypto.subtle && window.DecompressionStream && window.TextDecoder)) {
    button.disabled = true;
    say(t("browser"), true);
  }
})();
