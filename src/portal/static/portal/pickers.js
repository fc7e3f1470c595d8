/* Region and industry pickers (regions app). Plain JavaScript, no libraries, no CDN.
 *
 * Without JavaScript the page has a 6-digit region code box and an industry code box, both
 * checked on the server. With it:
 *   <input data-region-picker data-children-url="…">  → province / city / county selects that
 *      fill the (now hidden) input with the county code;
 *   <input data-industry-search data-search-url="…">  → a search box by name or code whose
 *      results fill the code box.
 */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .catch(function () { return { items: [] }; });
  }

  function withParam(base, name, value) {
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + name + "=" + encodeURIComponent(value);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  /* A region item is an ancestor of (or equal to) the code. */
  function covers(item, code) {
    if (item.level === "province") { return code.slice(0, 2) === item.code.slice(0, 2); }
    if (item.level === "city") { return code.slice(0, 4) === item.code.slice(0, 4); }
    return code === item.code;
  }

  function regionPicker(input) {
    var url = input.getAttribute("data-children-url");
    var names = ["省份", "城市", "区县"];
    var wrap = el("div", { "class": "region-picker" });
    var selects = names.map(function (name, i) {
      var s = el("select", { "aria-label": name, "data-level": String(i) });
      s.hidden = i > 0;
      wrap.appendChild(s);
      return s;
    });
    var initial = /^\d{6}$/.test(input.value) ? input.value : "";
    input.type = "hidden";
    input.insertAdjacentElement("afterend", wrap);

    function clearFrom(level) {
      for (var i = level; i < selects.length; i++) {
        selects[i].innerHTML = "";
        selects[i].hidden = true;
      }
    }

    function fill(level, parent) {
      clearFrom(level);
      return getJSON(parent ? withParam(url, "parent", parent) : url).then(function (data) {
        var s = selects[level];
        s.appendChild(el("option", { value: "" }, "请选择" + names[level]));
        (data.items || []).forEach(function (item) {
          var o = el("option", { value: item.code, "data-leaf": item.leaf ? "1" : "0", "data-level": item.level }, item.name);
          s.appendChild(o);
        });
        s.hidden = (data.items || []).length === 0;
        return data.items || [];
      });
    }

    function choose(level, code) {
      var s = selects[level];
      var option = s.options[s.selectedIndex];
      if (!code) { input.value = ""; clearFrom(level + 1); return Promise.resolve(); }
      if (option && option.getAttribute("data-leaf") === "1") {
        input.value = code;
        clearFrom(level + 1);
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return Promise.resolve();
      }
      input.value = "";
      return level + 1 < selects.length ? fill(level + 1, code) : Promise.resolve();
    }

    selects.forEach(function (s, level) {
      s.addEventListener("change", function () { choose(level, s.value); });
    });

    /* Pre-select the stored code, level by level. */
    function preselect(level, parent) {
      return fill(level, parent).then(function (items) {
        var hit = items.filter(function (item) { return covers(item, initial); })[0];
        if (!hit) { return; }
        selects[level].value = hit.code;
        if (hit.leaf) { input.value = hit.code; return; }
        if (level + 1 < selects.length) { return preselect(level + 1, hit.code); }
      });
    }
    if (initial) { preselect(0, ""); } else { fill(0, ""); }
  }

  function industrySearch(input) {
    var url = input.getAttribute("data-search-url");
    var box = el("input", { type: "search", "class": "picker-search", placeholder: "输入行业名称或代码搜索，如“齿轮”",
                            "aria-label": "搜索行业", autocomplete: "off" });
    var list = el("ul", { "class": "picker-results", role: "listbox" });
    var current = el("small", { "class": "muted picker-current" });
    list.hidden = true;
    input.insertAdjacentElement("beforebegin", box);
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", current);
    var timer = null;
    var seq = 0;

    function show(code) {
      if (!code) { current.textContent = ""; return; }
      getJSON(withParam(url, "q", code)).then(function (data) {
        var exact = (data.items || []).filter(function (i) { return i.code === code.toUpperCase(); })[0];
        current.textContent = exact ? "已选：" + exact.label : "";
      });
    }

    function search() {
      var q = box.value.trim();
      var mine = ++seq;
      if (!q) { list.hidden = true; list.innerHTML = ""; return; }
      getJSON(withParam(url, "q", q)).then(function (data) {
        if (mine !== seq) { return; }
        list.innerHTML = "";
        var items = data.items || [];
        if (!items.length) { list.appendChild(el("li", { "class": "muted" }, "没有匹配的行业")); }
        items.forEach(function (item) {
          var li = el("li");
          var b = el("button", { type: "button", "class": "link", "data-code": item.code }, item.label);
          b.addEventListener("click", function () {
            input.value = item.code;
            current.textContent = "已选：" + item.label;
            list.hidden = true;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          });
          li.appendChild(b);
          list.appendChild(li);
        });
        list.hidden = false;
      });
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
    input.addEventListener("change", function () { show(input.value.trim()); });
    show(input.value.trim());
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-region-picker]"), regionPicker);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-industry-search]"), industrySearch);
    var target = document.querySelector("[data-scroll-to]");
    if (target) {
      var section = document.getElementById(target.getAttribute("data-scroll-to"));
      if (section) { section.scrollIntoView(); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
