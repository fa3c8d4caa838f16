// Renders one Adaptive Card the way Teams does and describes what came out.
//
// window.meetbot.render(card, hostConfig) parses `card` with the official renderer
// (AdaptiveCards 3.x, targeting schema 1.5 like Teams), renders it into #card and returns
// the parse and validation events. window.meetbot.inspect() describes the rendered DOM
// (texts, facts, links, buttons, geometry) for the Python checks in checks.py.
// Executed actions (OpenUrl targets, ShowCard toggles, Submit data) are recorded in
// window.meetbot.executed; links never navigate.
"use strict";

(function () {
  const AC = window.AdaptiveCards;
  // Segoe UI is Teams' font and is absent on Linux: the same stack with readable fallbacks,
  // so screenshots do not depend on whatever "sans-serif" means on the machine.
  // "Meetbot CJK" is WenQuanYi Micro Hei (see page.html).
  const FONT = "'Segoe UI', 'Open Sans', 'Meetbot CJK', 'WenQuanYi Micro Hei', sans-serif";
  // Teams renders markdown in TextBlocks and facts, without raw HTML and without autolinks.
  const markdown = window.markdownit({ html: false, linkify: false, typographer: false });

  AC.AdaptiveCard.onProcessMarkdown = function (text, result) {
    result.outputHtml = markdown.render(text);
    result.didProcess = true;
  };

  const state = { card: null, executed: [] };

  function describeAction(action) {
    const kind = action.getJsonTypeName();
    const entry = { type: kind, title: action.title || "" };
    if (kind === "Action.OpenUrl") entry.url = action.url;
    if (kind === "Action.Submit" || kind === "Action.Execute") entry.data = action.data;
    return entry;
  }

  function eventName(code) {
    return AC.ValidationEvent[code] || String(code);
  }

  function sourceName(source) {
    if (source && typeof source.getJsonTypeName === "function") return source.getJsonTypeName();
    return "";
  }

  function render(payload, hostConfigJson, width) {
    document.documentElement.style.setProperty("--card-width", width + "px");
    const config = JSON.parse(JSON.stringify(hostConfigJson));
    for (const name of Object.keys(config.fontTypes || {})) {
      if (name === "default") config.fontTypes[name].fontFamily = FONT;
    }
    document.documentElement.style.setProperty("--card-font", FONT);

    const card = new AC.AdaptiveCard();
    card.hostConfig = new AC.HostConfig(config);
    card.onExecuteAction = function (action) {
      state.executed.push(describeAction(action));
    };
    card.onInlineCardExpanded = function (action, isExpanded) {
      state.executed.push({ type: "expanded", title: action.title || "", expanded: isExpanded });
    };
    card.onAnchorClicked = function () {
      return true; // never follow a link out of the test page
    };

    const context = new AC.SerializationContext(AC.Versions.v1_5);
    card.parse(payload, context);
    const events = [];
    for (let i = 0; i < context.eventCount; i++) {
      const e = context.getEventAt(i);
      events.push({
        phase: "parse",
        event: eventName(e.event),
        message: e.message,
        source: sourceName(e.source),
      });
    }
    for (const e of card.validateProperties().validationEvents) {
      events.push({
        phase: "validation",
        event: eventName(e.event),
        message: e.message,
        source: sourceName(e.source),
      });
    }

    const host = document.getElementById("card");
    host.innerHTML = "";
    const element = card.render();
    if (element) host.appendChild(element);
    state.card = card;
    state.executed = [];
    return { events: events, rendered: Boolean(element) };
  }

  function rect(node) {
    const r = node.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  }

  function clips(node) {
    // Content wider (or, for line-clamped text, taller) than the box that hides it.
    const style = getComputedStyle(node);
    const hidesX = style.overflowX !== "visible";
    const hidesY = style.overflowY !== "visible";
    return (
      (hidesX && node.scrollWidth > node.clientWidth + 1) ||
      (hidesY && node.scrollHeight > node.clientHeight + 1)
    );
  }

  function clippedWithin(node) {
    return [node, ...node.querySelectorAll("*")].some(clips);
  }

  function isVisible(node) {
    const r = node.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(node).visibility !== "hidden";
  }

  function rgba(css) {
    const parts = (css.match(/[\d.]+/g) || []).map(Number);
    return [parts[0] || 0, parts[1] || 0, parts[2] || 0, parts.length > 3 ? parts[3] : 1];
  }

  function backgroundOf(node) {
    // The first ancestor with a visible background; the page itself is white.
    for (let at = node; at instanceof Element; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  }

  function lineCount(node) {
    // Rendered lines of text: line boxes of the text nodes, tops closer than 4 px merged.
    const tops = [];
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(text);
      for (const box of range.getClientRects()) {
        if (box.width > 0) tops.push(box.top);
      }
    }
    tops.sort(function (a, b) {
      return a - b;
    });
    return tops.filter(function (top, i) {
      return i === 0 || top - tops[i - 1] > 4;
    }).length;
  }

  function textOf(node) {
    return (node.innerText || "").replace(/\s+/g, " ").trim();
  }

  function allActions(card) {
    const found = [];
    for (const action of card.getAllActions()) {
      found.push(action);
      if (action.card) found.push(...allActions(action.card));
    }
    return found;
  }

  function inspect() {
    const host = document.getElementById("card");
    const root = host.firstElementChild;
    if (!root) return null;
    const texts = Array.from(root.querySelectorAll(".ac-textBlock")).map(function (node) {
      const cell = node.closest(".ac-fact-title, .ac-fact-value");
      let role = "text";
      if (cell) role = cell.classList.contains("ac-fact-title") ? "fact-title" : "fact-value";
      return {
        text: textOf(node),
        role: role,
        visible: isVisible(node),
        nowrap: getComputedStyle(node).whiteSpace.startsWith("nowrap"),
        clipped: clippedWithin(node),
        box: rect(node),
        lines: lineCount(node),
        color: rgba(getComputedStyle(node).color),
        background: backgroundOf(node),
      };
    });
    const facts = Array.from(root.querySelectorAll(".ac-factset tr")).map(function (row) {
      const title = row.querySelector(".ac-fact-title");
      const value = row.querySelector(".ac-fact-value");
      return { title: title ? textOf(title) : "", value: value ? textOf(value) : "" };
    });
    const links = Array.from(root.querySelectorAll("a")).map(function (a) {
      return { href: a.getAttribute("href") || "", text: textOf(a), box: rect(a) };
    });
    const kinds = new Map();
    for (const action of allActions(state.card)) {
      if (action.renderedElement) kinds.set(action.renderedElement, action.getJsonTypeName());
    }
    const buttons = Array.from(root.querySelectorAll("button")).map(function (button, index) {
      button.setAttribute("data-meetbot-button", String(index));
      return {
        index: index,
        type: kinds.get(button) || "",
        title: textOf(button),
        label: button.getAttribute("aria-label") || "",
        expanded: button.getAttribute("aria-expanded"),
        visible: isVisible(button),
        clipped: clippedWithin(button),
        box: rect(button),
      };
    });
    const inputs = Array.from(root.querySelectorAll("input, select, textarea")).map(
      function (input) {
        return { id: input.id, type: input.type, visible: isVisible(input), box: rect(input) };
      },
    );
    return {
      text: root.innerText,
      box: rect(root),
      texts: texts,
      facts: facts,
      links: links,
      buttons: buttons,
      inputs: inputs,
      nestedCards: root.querySelectorAll(".ac-adaptiveCard").length,
    };
  }

  function textWidth(text, size, family) {
    const context = document.createElement("canvas").getContext("2d");
    context.font = size + "px " + (family || FONT);
    return context.measureText(text).width;
  }

  function hasFont(family) {
    // A missing family falls through to the generic one, measuring exactly like it.
    const sample = "Meetbot card 0123456789";
    return ["monospace", "serif"].some(function (generic) {
      return textWidth(sample, 72, "'" + family + "', " + generic) !== textWidth(sample, 72, generic);
    });
  }

  window.meetbot = {
    render: render,
    inspect: inspect,
    textWidth: textWidth,
    hasFont: hasFont,
    executed: function () {
      return state.executed.slice();
    },
  };
})();
