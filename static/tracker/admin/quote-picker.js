/* Quotes without retyping. Below a quote's Text field, the archived text of
   the source chosen in its Source field; the words selected there, copied
   with "Use selected words", become the quote's text character for character,
   so they occur verbatim in the source.

   A button, not the selection itself, copies the words: editors also select
   to read or to copy elsewhere, and the quote's text may already hold edited
   words that a stray selection must not overwrite. Keyboard users select
   inside the focusable text with Shift and the arrow keys, then press it.

   Works on the quote form and on each quote row of the event form, rows added
   with "Add another" included. The forms work without it. The script tag
   carries the address of a source's text, with "__id__" for the source. */
(function () {
  "use strict";
  const script = document.currentScript;
  const address = script && script.getAttribute("data-source-text-url");
  if (!address || !window.fetch || !window.getSelection) return;

  const texts = new Map(); // source id -> promise of {id, title, text}
  const pickers = new WeakMap(); // panel -> its parts and the chosen words
  const highlight = window.CSS && CSS.highlights && window.Highlight ? new Highlight() : null;
  if (highlight) CSS.highlights.set("quote-picker", highlight);

  function isSourceSelect(element) {
    return (
      element instanceof HTMLSelectElement &&
      /(^|-)source$/.test(element.name) &&
      element.name.indexOf("__prefix__") === -1
    );
  }

  function textFieldOf(select) {
    const field = select.form && select.form.elements.namedItem(select.name.replace(/source$/, "text"));
    return field instanceof HTMLTextAreaElement ? field : null;
  }

  function sourceText(id) {
    if (!texts.has(id)) {
      const url = address.replace("__id__", encodeURIComponent(id));
      const loading = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
        function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        }
      );
      loading.catch(function () {
        texts.delete(id); // try again next time
      });
      texts.set(id, loading);
    }
    return texts.get(id);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function makePanel(textarea) {
    const panel = element("details", "quote-picker");
    const summary = element("summary", "quote-picker-summary", "The source's archived text");
    const title = element("p", "quote-picker-title");
    const hint = element(
      "p",
      "quote-picker-hint",
      "Select the quote's words in the text below, then press “Use selected words”."
    );
    const text = element("div", "quote-picker-text");
    text.tabIndex = 0;
    text.setAttribute("role", "region");
    text.setAttribute("aria-label", "Archived text of the source");
    const button = element("button", "button quote-picker-use", "Use selected words");
    button.type = "button";
    button.disabled = true;
    const status = element("p", "quote-picker-status");
    status.setAttribute("aria-live", "polite");
    panel.append(summary, title, hint, text, button, status);
    const parts = { textarea: textarea, title: title, text: text, button: button, status: status, chosen: null };
    pickers.set(panel, parts);
    panel.addEventListener("toggle", function () {
      if (panel.open) show(panel);
    });
    button.addEventListener("click", function () {
      use(panel);
    });
    return panel;
  }

  // The panel of a Source select's quote (made if `make`), after its Text field's row.
  function panelOf(select, make) {
    const textarea = textFieldOf(select);
    if (!textarea) return null;
    const row = textarea.closest(".form-row") || textarea.parentNode;
    let panel = row.querySelector(".quote-picker");
    if (!panel && make) {
      panel = makePanel(textarea);
      row.append(panel);
    }
    return panel;
  }

  // A Source select's value changed (`chosen`: by the editor) or was found on the page.
  function follow(select, chosen) {
    const id = select.value;
    const panel = panelOf(select, Boolean(id));
    if (!panel) return;
    panel.hidden = !id;
    if (!id) return;
    if (panel.dataset.sourceId !== id) {
      panel.dataset.sourceId = id;
      delete panel.dataset.shown;
      choose(panel, null);
    }
    // Opened for a new choice, or where the typed words were refused.
    const refused = panel.parentNode.querySelector(".errorlist");
    if (chosen || refused) panel.open = true;
    if (panel.open) show(panel);
  }

  function show(panel) {
    const id = panel.dataset.sourceId;
    const parts = pickers.get(panel);
    if (!id || panel.dataset.shown === id || panel.dataset.loading === id) return;
    panel.dataset.loading = id;
    parts.text.textContent = "Loading…";
    parts.text.classList.add("is-loading");
    parts.status.textContent = "";
    sourceText(id).then(
      function (source) {
        if (panel.dataset.sourceId !== id) return; // another source was chosen meanwhile
        delete panel.dataset.loading;
        panel.dataset.shown = id;
        parts.title.textContent = source.title;
        // One text node: offsets in it are offsets in the archived text.
        parts.text.textContent = source.text;
        parts.text.classList.remove("is-loading");
        if (!source.text) parts.status.textContent = "This source has no archived text.";
      },
      function () {
        if (panel.dataset.sourceId !== id) return;
        delete panel.dataset.loading;
        parts.text.textContent = "";
        parts.text.classList.remove("is-loading");
        parts.status.textContent = "The archived text could not be loaded; type the words instead.";
      }
    );
  }

  // The [start, end) of the archived text the selection covers in `text`, or null.
  function selectedIn(text) {
    const node = text.firstChild;
    const selection = window.getSelection();
    if (!node || node.nodeType !== Node.TEXT_NODE || !selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(node)) return null;
    const whole = document.createRange();
    whole.selectNodeContents(node);
    function offset(container, at) {
      if (container === node) return at;
      return whole.comparePoint(container, at) < 0 ? 0 : node.length;
    }
    let start = offset(range.startContainer, range.startOffset);
    let end = offset(range.endContainer, range.endOffset);
    // Spaces at either end are not words (and the form would drop them).
    const words = node.data.slice(start, end);
    start += words.length - words.trimStart().length;
    end -= words.length - words.trimEnd().length;
    return end > start ? { start: start, end: end } : null;
  }

  function choose(panel, chosen) {
    const parts = pickers.get(panel);
    parts.chosen = chosen;
    parts.button.disabled = !chosen;
    if (highlight) {
      highlight.forEach(function (range) {
        if (parts.text.contains(range.startContainer)) highlight.delete(range);
      });
      if (chosen) {
        const range = document.createRange();
        range.setStart(parts.text.firstChild, chosen.start);
        range.setEnd(parts.text.firstChild, chosen.end);
        highlight.add(range);
      }
    }
  }

  // The selection changed: a passage selected in a panel is that panel's choice
  // until another is selected (clicking the button elsewhere must not lose it).
  function selectionChanged() {
    const selection = window.getSelection();
    const at = selection.focusNode || selection.anchorNode;
    const holder = at && (at.nodeType === Node.ELEMENT_NODE ? at : at.parentElement);
    const panel = holder && holder.closest(".quote-picker");
    if (!panel || !pickers.has(panel) || panel.dataset.shown !== panel.dataset.sourceId) return;
    const chosen = selectedIn(pickers.get(panel).text);
    if (chosen || selection.isCollapsed) choose(panel, chosen);
  }

  function use(panel) {
    const parts = pickers.get(panel);
    const node = parts.text.firstChild;
    if (!parts.chosen || !node) return;
    const words = node.data.slice(parts.chosen.start, parts.chosen.end);
    parts.textarea.value = words;
    parts.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    const count = words.split(/\s+/).length;
    parts.status.textContent = "The quote's text is now the " + count + (count === 1 ? " word" : " words") + " selected.";
  }

  function changed(event) {
    if (isSourceSelect(event.target)) follow(event.target, true);
  }

  function followAll(root) {
    root.querySelectorAll("select").forEach(function (select) {
      if (isSourceSelect(select) && select.value) follow(select, false);
    });
  }

  // Select2 (the admin's autocomplete) tells of a choice with jQuery's events,
  // which listeners added without jQuery do not hear; jQuery's hear both.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("change", "select", changed);
  } else {
    document.addEventListener("change", changed);
  }
  document.addEventListener("selectionchange", selectionChanged);
  document.addEventListener("mouseup", selectionChanged);
  document.addEventListener("keyup", selectionChanged);
  document.addEventListener("formset:added", function (event) {
    followAll(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      followAll(document);
    });
  } else {
    followAll(document);
  }
})();
