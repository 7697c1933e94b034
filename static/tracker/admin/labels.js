/* Accessible names for the admin's form controls that Django's markup leaves
   without a label: the fields in a table of rows (an inline's rows, a change
   list's editable columns), named after their column, and the boxes select2
   draws over an autocomplete select, named after the select's label. Loaded
   on every admin page (tracker/templates/admin/base_site.html); it names
   controls added later (another inline row, a select2 box) as they appear. */
"use strict";
(function () {
    function hasName(control) {
        return (control.labels && control.labels.length > 0) ||
            control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby");
    }

    function columnName(cell) {
        const table = cell.closest("table");
        const header = table && table.tHead && table.tHead.rows[0];
        const column = header && header.cells[cell.cellIndex];
        return column ? column.textContent.replace(/\s+/g, " ").trim() : "";
    }

    function nameCells(root) {
        const controls = root.querySelectorAll("td input:not([type=hidden]), td select, td textarea");
        for (const control of controls) {
            if (hasName(control) || control.closest(".select2")) {
                continue;
            }
            const name = columnName(control.closest("td"));
            if (name) {
                control.setAttribute("aria-label", name);
            }
        }
    }

    function labelOf(select) {
        if (select.labels && select.labels.length > 0) {
            return select.labels[0].textContent.replace(/:\s*$/, "").trim();
        }
        return select.getAttribute("aria-label") || "";
    }

    function nameSelect2(root) {
        for (const select of root.querySelectorAll("select.select2-hidden-accessible")) {
            const box = select.nextElementSibling;
            const name = labelOf(select);
            if (!box || !box.classList.contains("select2") || !name) {
                continue;
            }
            for (const part of box.querySelectorAll(".select2-selection, .select2-selection__rendered[role=textbox], .select2-search__field")) {
                if (part.getAttribute("aria-label") !== name) {
                    part.setAttribute("aria-label", name);
                }
            }
        }
    }

    function nameAll() {
        nameCells(document);
        nameSelect2(document);
    }

    function start() {
        nameAll();
        // Called once for each batch of changes, before the page does anything else.
        new MutationObserver(nameAll).observe(document.body, {childList: true, subtree: true});
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
