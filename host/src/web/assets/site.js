// Vitrina's pages, enhanced: the preview table sorts, filters and
// searches through the JSON API without a reload; charts are drawn with
// uPlot from the numbers the page carries (the same numbers are in the
// table beside each chart); the API examples get a copy button. Every
// page works without this script.
"use strict";

(function () {
  const lang = document.documentElement.lang || "bg";
  const locale = lang === "bg" ? "bg-BG" : "en-GB";
  const words = {
    bg: { loading: "Зареждане…", failed: "Данните не можаха да се заредят.", none: "Няма редове, които отговарят.", copied: "Копирано" },
    en: { loading: "Loading…", failed: "The data could not be loaded.", none: "No rows match.", copied: "Copied" },
  }[lang] || {};

  // The language switch remembers the choice for the next pages.
  document.querySelectorAll("a.switch[data-lang]").forEach((a) => {
    a.addEventListener("click", () => {
      document.cookie = "lang=" + a.dataset.lang + "; path=/; max-age=31536000; samesite=lax";
    });
  });

  document.querySelectorAll(".code").forEach((block) => {
    const button = block.querySelector("button.copy");
    const code = block.querySelector("code");
    if (!button || !code || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        const label = button.textContent;
        button.textContent = words.copied;
        setTimeout(() => { button.textContent = label; }, 1500);
      } catch (_) { /* the text stays selectable by hand */ }
    });
  });

  const formatNumber = (value) => {
    const n = Number(value);
    if (value === null || value === "" || Number.isNaN(n)) return String(value ?? "");
    const decimals = String(value).includes(".") ? String(value).split(".")[1].length : 0;
    // As the server writes them: four digits stay together.
    const grouping = Math.abs(n) >= 10000;
    return n.toLocaleString(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: grouping });
  };

  // The preview: the same form and sort links as without script, asked
  // of the JSON API instead of a reload.
  const preview = document.getElementById("preview");
  if (preview && window.fetch) {
    const api = preview.dataset.api;
    const form = preview.querySelector("form");
    const table = preview.querySelector("table.rows");
    const status = preview.querySelector(".status");
    const headers = Array.from(table.querySelectorAll("thead th"));
    const numeric = headers.map((th) => th.classList.contains("num"));
    const fields = headers.map((th) => th.querySelector("a").dataset.field);
    let sort = form.elements.sort.value;

    const query = () => {
      const params = new URLSearchParams();
      const q = form.elements.q.value.trim();
      if (q) params.set("q", q);
      const field = form.elements.filter_field.value;
      const value = form.elements.filter_value.value.trim();
      if (field && value) {
        const kind = numeric[fields.indexOf(field)];
        params.set(kind ? field : field + "__contains", value);
      }
      if (sort) params.set("sort", sort);
      params.set("limit", "20");
      return params;
    };

    const render = (page) => {
      const body = document.createElement("tbody");
      page.rows.forEach((row) => {
        const tr = document.createElement("tr");
        fields.forEach((field, i) => {
          const cell = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) cell.scope = "row";
          let value = row[field];
          if (value !== null && typeof value === "object") value = JSON.stringify(value);
          const text = numeric[i] ? formatNumber(value) : String(value ?? "");
          if (numeric[i]) cell.className = "num";
          cell.textContent = text;
          tr.appendChild(cell);
        });
        body.appendChild(tr);
      });
      table.replaceChild(body, table.tBodies[0]);
      status.textContent = page.rows.length ? "" : words.none;
    };

    const load = async () => {
      const params = query();
      status.textContent = words.loading;
      table.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(api + "?" + params.toString(), { headers: { Accept: "application/json" } });
        const answer = await response.json();
        if (!response.ok) {
          status.textContent = (answer.error && answer.error.message) || words.failed;
          return;
        }
        render(answer);
        const url = new URL(window.location.href);
        ["q", "filter_field", "filter_value", "sort"].forEach((name) => url.searchParams.delete(name));
        if (params.get("q")) url.searchParams.set("q", params.get("q"));
        if (form.elements.filter_field.value && form.elements.filter_value.value.trim()) {
          url.searchParams.set("filter_field", form.elements.filter_field.value);
          url.searchParams.set("filter_value", form.elements.filter_value.value.trim());
        }
        if (sort) url.searchParams.set("sort", sort);
        history.replaceState(null, "", url.toString());
      } catch (_) {
        status.textContent = words.failed;
      } finally {
        table.removeAttribute("aria-busy");
      }
    };

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    headers.forEach((th) => {
      const link = th.querySelector("a");
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const field = link.dataset.field;
        sort = sort === field ? "-" + field : field;
        form.elements.sort.value = sort;
        headers.forEach((other) => other.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", sort.startsWith("-") ? "descending" : "ascending");
        load();
      });
    });
  }

  // Charts: bars per label, one colour per series. uPlot is a deferred
  // script after this one: draw once every script has run.
  document.addEventListener("DOMContentLoaded", drawCharts);

  function drawCharts() {
  const data = document.getElementById("chart-data");
  if (data && window.uPlot) {
    const charts = JSON.parse(data.textContent);
    const colours = ["#8fb8e8", "#0b3d91", "#b45309", "#15803d"];
    document.querySelectorAll(".plot[data-chart]").forEach((box) => {
      const chart = charts[Number(box.dataset.chart)];
      if (!chart) return;
      const xs = chart.labels.map((_, i) => i);
      const opts = {
        width: box.clientWidth || 600,
        height: 300,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.6, xs.length - 0.4] } },
        axes: [
          { values: (u, ticks) => ticks.map((t) => {
              const label = chart.labels[t];
              return label === undefined ? "" : (label.length > 18 ? label.slice(0, 17) + "…" : label);
            }), rotate: -30, size: 80, gap: 4 },
          { values: (u, ticks) => ticks.map((t) => t.toLocaleString(locale, { notation: "compact" })), size: 70 },
        ],
        // The x series names the bar under the cursor in the legend.
        series: [{ label: "", value: (u, v) => (v == null ? "" : chart.labels[Math.round(v)] || "") }].concat(chart.series.map((s, i) => ({
          label: s.name,
          fill: colours[i % colours.length],
          stroke: colours[i % colours.length],
          // Overlaid, narrower for each later series: plan and execution
          // read as one bar inside the other.
          paths: uPlot.paths.bars({ size: [[0.7, 0.45, 0.22][i % 3], [140, 90, 44][i % 3]], align: 0 }),
          points: { show: false },
          value: (u, v) => (v == null ? "" : v.toLocaleString(locale, { maximumFractionDigits: 0 }) + " " + chart.unit),
        }))),
      };
      const plot = new uPlot(opts, [xs].concat(chart.series.map((s) => s.values)), box);
      const resize = () => plot.setSize({ width: box.clientWidth, height: 300 });
      window.addEventListener("resize", resize);
    });
  }
  }
})();
