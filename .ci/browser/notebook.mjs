// Drives the classic Jupyter Notebook in headless Chromium, as a person would:
// opens a notebook, runs every cell from the Cell menu, checks the outputs,
// interrupts a running loop and restarts the kernel from the Kernel menu.
//
// Environment:
//   NOTEBOOK_URL   base URL of the notebook server (no token), required
//   NOTEBOOK       notebook file name, relative to the server's folder, required
//   KERNEL_NAME    kernelspec the notebook must be using (default "descent")
//   SCREENSHOT     if set, the path of a PNG of the notebook showing a plot
//   SCREENSHOT_PLOT  which plot the screenshot shows: a number (1-based, in
//                  page order), or a text that the plot cell's source contains
//                  (the first such plot; the first plot if no cell has it)
//   FAILURE_SHOT   if set, the path of a PNG of the page when a check fails
//   RUN_TIMEOUT    seconds allowed for Run All (default 180)
//   CHROMIUM       the browser binary (default /usr/bin/chromium)
import { chromium } from "playwright-core";

const base = required("NOTEBOOK_URL").replace(/\/$/, "");
const notebook = required("NOTEBOOK");
const kernelName = process.env.KERNEL_NAME || "descent";
const runTimeout = 1000 * Number(process.env.RUN_TIMEOUT || 180);

// The flags a closed network needs: without the background-networking ones,
// Chromium keeps trying to reach Google's services at every start.
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`notebook.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

function step(msg) {
  console.log(`-- ${msg}`);
}

class CheckError extends Error {}

function fail(msg) {
  throw new CheckError(msg);
}

// waitFor polls fn in the page until it returns a truthy value, failing with
// what was being waited for and how long.
async function waitFor(page, what, fn, arg, timeoutMs) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 250 });
    return await handle.jsonValue();
  } catch (err) {
    if (err && err.name === "TimeoutError") {
      fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    }
    throw err;
  }
}

// cellReport describes every code cell: prompt, source and output texts.
async function cellReport(page) {
  return page.evaluate(() =>
    Jupyter.notebook
      .get_cells()
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.cell_type === "code")
      .map(({ c, i }) => ({
        index: i,
        prompt: c.input_prompt_number === undefined ? null : c.input_prompt_number,
        source: c.get_text(),
        outputs: c.output_area.outputs.map((o) => ({
          type: o.output_type,
          name: o.name,
          ename: o.ename,
          evalue: o.evalue,
          text:
            o.output_type === "stream"
              ? o.text
              : o.output_type === "error"
                ? (o.traceback || []).join("\n")
                : Object.keys(o.data || {}).join(", "),
        })),
      })),
  );
}

function printCells(cells) {
  for (const c of cells) {
    console.log(`   cell ${c.index} [${c.prompt === null ? " " : c.prompt}]: ${firstLine(c.source)}`);
    for (const o of c.outputs) {
      const label = o.type === "stream" ? `${o.type}/${o.name}` : o.type;
      console.log(`      ${label}: ${String(o.text).replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n").join("\n         ")}`);
    }
  }
}

function firstLine(s) {
  const line = s.split("\n")[0];
  return s.includes("\n") ? line + " …" : line;
}

// kernelIdle is true when the notebook's kernel is connected and idle and no
// code cell waits for execution.
function kernelIdle() {
  const nb = window.Jupyter && Jupyter.notebook;
  if (!nb || !nb.kernel || !nb.kernel.is_connected()) return false;
  const icon = document.querySelector("#kernel_indicator_icon");
  if (!icon || !icon.classList.contains("kernel_idle_icon")) return false;
  return nb.get_cells().every((c) => c.cell_type !== "code" || c.input_prompt_number !== "*");
}

// cellFinished is true when cell i has its execution count and the kernel
// has said it is idle after that cell's request.
function cellFinished(i) {
  const c = Jupyter.notebook.get_cell(i);
  return typeof c.input_prompt_number === "number" && window.descentFinished.has(c.last_msg_id);
}

async function menu(page, menuId, itemId) {
  await page.click(`#${menuId}`);
  await page.click(`#${itemId} > a`);
}

// newCell adds a code cell at the end of the notebook by keyboard, types
// code into it, and runs it with Ctrl-Enter. It returns the cell's index.
async function newCell(page, code) {
  await page.evaluate(() => {
    const nb = Jupyter.notebook;
    nb.select(nb.ncells() - 1);
    nb.command_mode();
    nb.get_selected_cell().element[0].scrollIntoView();
  });
  await page.keyboard.press("Escape");
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.type(code);
  const got = await page.evaluate(() => {
    const nb = Jupyter.notebook;
    return { index: nb.get_selected_index(), text: nb.get_selected_cell().get_text() };
  });
  if (got.text !== code) {
    fail(`typed ${JSON.stringify(code)} into a new cell, but the cell holds ${JSON.stringify(got.text)}`);
  }
  await page.keyboard.press("Control+Enter");
  return got.index;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("dialog", (d) => d.accept());

  try {
    const url = `${base}/notebooks/${encodeURIComponent(notebook)}`;
    step(`open ${url}`);
    const resp = await page.goto(url, { timeout: 60_000 });
    if (!resp || !resp.ok()) fail(`GET ${url}: HTTP ${resp ? resp.status() : "no response"}`);

    step(`wait for the ${kernelName} kernel to be ready`);
    await waitFor(
      page,
      "the notebook to load",
      () => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded,
      null,
      60_000,
    );
    // A request is finished when the kernel's idle status for it arrives on
    // iopub: every output of that request came before it.
    await page.evaluate(() => {
      window.descentFinished = new Set();
      Jupyter.notebook.events.on("finished_iopub.Kernel", (_, d) => window.descentFinished.add(d.msg_id));
    });
    // A missing kernelspec shows a "Kernel not found" dialog instead of a kernel.
    const state = await waitFor(
      page,
      "the kernel to start and go idle",
      `(() => {
        const modal = [...document.querySelectorAll(".modal-title")].find((e) => /Kernel not found/.test(e.textContent));
        return modal ? "missing" : (${kernelIdle.toString()})() && "idle";
      })()`,
      null,
      90_000,
    );
    if (state === "missing") fail(`the notebook server has no kernelspec "${kernelName}" (Kernel not found dialog)`);
    const name = await page.evaluate(() => Jupyter.notebook.kernel.name);
    if (name !== kernelName) fail(`the notebook runs kernel "${name}", want "${kernelName}"`);
    const info = await waitFor(
      page,
      "kernel_info",
      () => Jupyter.notebook.kernel.info_reply && Jupyter.notebook.kernel.info_reply.implementation,
      null,
      30_000,
    );
    const shown = await page.textContent(".kernel_indicator_name");
    if (shown !== "Go (Descent)") fail(`the toolbar names the kernel "${shown}", want "Go (Descent)"`);
    console.log(`   kernel "${shown}", implementation ${info}`);

    step("Cell > Run All");
    const nCode = await page.evaluate(
      () => Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code").length,
    );
    // Outputs saved in the notebook file must not count: start from none.
    const stale = await page.evaluate(() => {
      const n = document.querySelectorAll(".output_area").length;
      Jupyter.notebook.clear_all_output();
      return n;
    });
    if (stale > 0) console.log(`   cleared ${stale} outputs saved in the notebook`);
    await menu(page, "celllink", "run_all_cells");
    const t0 = Date.now();
    await waitFor(
      page,
      `Run All to finish (${nCode} code cells)`,
      () => {
        const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
        const done = cells.every(
          (c) =>
            (typeof c.input_prompt_number === "number" && window.descentFinished.has(c.last_msg_id)) ||
            c.get_text().trim() === "",
        );
        const icon = document.querySelector("#kernel_indicator_icon");
        return done && icon && icon.classList.contains("kernel_idle_icon");
      },
      null,
      runTimeout,
    ).catch(async (err) => {
      printCells(await cellReport(page));
      throw err;
    });
    console.log(`   ${nCode} code cells ran in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const cells = await cellReport(page);
    printCells(cells);
    const errors = cells.flatMap((c) =>
      c.outputs.filter((o) => o.type === "error").map((o) => `cell ${c.index}: ${o.ename}: ${o.evalue}`),
    );
    const domErrors = await page.$$eval(".output_error", (els) => els.length);
    if (errors.length > 0 || domErrors > 0) {
      fail(`error outputs after Run All:\n   ${errors.join("\n   ")}`);
    }

    step("check that a plot is shown (.output_png img with naturalWidth > 0)");
    const width = await waitFor(
      page,
      "a loaded .output_png img",
      () => {
        const imgs = [...document.querySelectorAll(".output_png img")];
        const ok = imgs.find((img) => img.complete && img.naturalWidth > 0);
        return ok ? ok.naturalWidth : 0;
      },
      null,
      20_000,
    );
    console.log(`   first plot: naturalWidth ${width}`);

    if (process.env.SCREENSHOT) {
      step(`screenshot -> ${process.env.SCREENSHOT}`);
      const nth = await pickPlot(page, process.env.SCREENSHOT_PLOT || "");
      // The whole cell, source and plot, in a window as tall as it needs.
      const need = await page.evaluate((nth) => {
        const cell = document.querySelectorAll(".output_png img")[nth - 1].closest(".cell");
        const nb = Jupyter.notebook;
        nb.select(nb.find_cell_index(nb.get_cells().find((c) => c.element[0] === cell)));
        nb.command_mode();
        return document.querySelector("#header").offsetHeight + cell.getBoundingClientRect().height + 40;
      }, nth);
      await page.setViewportSize({ width: 1280, height: Math.round(Math.min(Math.max(need, 720), 1600)) });
      await page.waitForTimeout(300);
      await page.evaluate((nth) => {
        const cell = document.querySelectorAll(".output_png img")[nth - 1].closest(".cell");
        const site = document.querySelector("#site");
        site.scrollTop += cell.getBoundingClientRect().top - site.getBoundingClientRect().top - 12;
      }, nth);
      // Saved and trusted, as a user's own notebook looks once they work in it.
      await page.evaluate(() => Jupyter.notebook.save_notebook());
      await waitFor(
        page,
        "the notebook to be saved",
        () => !Jupyter.notebook.dirty && Jupyter.notebook.trusted,
        null,
        20_000,
      );
      // Let the "Notebook saved" notice fade.
      await page
        .waitForFunction(
          () => {
            const e = document.querySelector("#notification_notebook");
            return !e || getComputedStyle(e).display === "none";
          },
          null,
          { timeout: 10_000 },
        )
        .catch(() => {});
      await page.waitForTimeout(500);
      await page.screenshot({ path: process.env.SCREENSHOT });
    }

    step("run an endless loop and interrupt it from Kernel > Interrupt");
    const loopCode = "for i := 0; ; i++ {}";
    const loop = await newCell(page, loopCode);
    await waitFor(
      page,
      "the loop cell to start running (busy kernel, prompt [*])",
      (i) =>
        Jupyter.notebook.get_cell(i).input_prompt_number === "*" &&
        document.querySelector("#kernel_indicator_icon").classList.contains("kernel_busy_icon"),
      loop,
      30_000,
    );
    await page.waitForTimeout(1500);
    const stillRunning = await page.evaluate((i) => Jupyter.notebook.get_cell(i).input_prompt_number === "*", loop);
    if (!stillRunning) fail("the endless loop stopped before it was interrupted");
    const t1 = Date.now();
    await menu(page, "kernellink", "int_kernel");
    await waitFor(
      page,
      "the interrupted cell to stop (its execute_reply and its idle status)",
      cellFinished,
      loop,
      30_000,
    );
    const interrupted = (await cellReport(page)).find((c) => c.index === loop);
    printCells([interrupted]);
    const errOut = interrupted.outputs.find((o) => o.type === "error");
    if (!errOut) fail("the interrupted cell shows no error output");
    console.log(`   stopped within ${((Date.now() - t1) / 1000).toFixed(1)} s of opening the Kernel menu: ${errOut.ename}: ${errOut.evalue}`);
    if (!/interrupt/i.test(`${errOut.ename} ${errOut.evalue} ${errOut.text}`)) {
      fail(`the interrupted cell's error does not say it was interrupted: ${errOut.ename}: ${errOut.evalue}`);
    }

    step("the session lives on after the interrupt");
    const after = await newCell(page, 'afterInterrupt := "still here"\nafterInterrupt');
    await waitFor(
      page,
      "the cell after the interrupt to run",
      cellFinished,
      after,
      30_000,
    );
    await expectResult(page, after, /"still here"/);

    step("Kernel > Restart");
    await menu(page, "kernellink", "restart_kernel");
    await page.click(".modal-footer button.btn-danger:has-text('Restart')", { timeout: 10_000 });
    await waitFor(
      page,
      "the restarted kernel to go idle",
      () => {
        const icon = document.querySelector("#kernel_indicator_icon");
        return (
          Jupyter.notebook.kernel.is_connected() &&
          icon.classList.contains("kernel_idle_icon") &&
          !document.querySelector(".modal.in")
        );
      },
      null,
      60_000,
    );
    const again = await newCell(page, "restarted := 6 * 7\nrestarted");
    await waitFor(
      page,
      "the cell after the restart to run",
      cellFinished,
      again,
      60_000,
    );
    await expectResult(page, again, /^42$/);
    const count = await page.evaluate((i) => Jupyter.notebook.get_cell(i).input_prompt_number, again);
    if (count !== 1) fail(`the first cell after the restart has execution count ${count}, want 1 (was the kernel restarted?)`);
    console.log("   the first cell after the restart ran as [1] and printed 42");

    if (consoleErrors.length > 0) {
      console.log(`   browser console errors (not fatal):\n      ${consoleErrors.join("\n      ")}`);
    }
    console.log("PASS browser test");
  } catch (err) {
    console.error(`FAIL browser test: ${err instanceof CheckError ? err.message : err.stack || err}`);
    if (consoleErrors.length > 0) console.error(`browser console errors:\n   ${consoleErrors.join("\n   ")}`);
    if (process.env.FAILURE_SHOT) {
      await page.screenshot({ path: process.env.FAILURE_SHOT, fullPage: true }).catch(() => {});
      console.error(`page at the failure: ${process.env.FAILURE_SHOT}`);
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// pickPlot returns the 1-based index of the plot that want selects.
async function pickPlot(page, want) {
  const sources = await page.$$eval(".output_png img", (els) =>
    els.map((img) => {
      const el = img.closest(".cell");
      const cell = Jupyter.notebook.get_cells().find((c) => c.element[0] === el);
      return cell ? cell.get_text() : "";
    }),
  );
  if (/^[0-9]+$/.test(want)) {
    const n = Number(want);
    if (n < 1 || n > sources.length) fail(`screenshot plot ${n} asked for, but the notebook shows ${sources.length} plots`);
    return n;
  }
  const i = want ? sources.findIndex((src) => src.includes(want)) : -1;
  if (want && i < 0) console.log(`   no plot cell contains ${JSON.stringify(want)}: the screenshot shows the first plot`);
  console.log(`   screenshot of plot ${i < 0 ? 1 : i + 1} of ${sources.length}`);
  return i < 0 ? 1 : i + 1;
}

// expectResult checks that cell i has no error and a text/plain result
// matching re.
async function expectResult(page, i, re) {
  const out = await page.evaluate((i) => {
    return Jupyter.notebook.get_cell(i).output_area.outputs.map((o) => ({
      type: o.output_type,
      ename: o.ename,
      evalue: o.evalue,
      text: o.output_type === "stream" ? o.text : o.data && o.data["text/plain"],
    }));
  }, i);
  const err = out.find((o) => o.type === "error");
  if (err) fail(`cell ${i}: ${err.ename}: ${err.evalue}`);
  const res = out.find((o) => o.type === "execute_result");
  if (!res || !re.test(String(res.text).trim())) {
    fail(`cell ${i}: want a result matching ${re}, got outputs ${JSON.stringify(out)}`);
  }
  console.log(`   cell ${i} -> ${String(res.text).trim()}`);
}

main().catch((err) => {
  console.error(`FAIL browser test: ${err.stack || err}`);
  process.exit(1);
});
