"""The dashboard page: one self-contained HTML file (Chart.js inlined, the visuals' data as JSON).

Nothing is fetched when the page loads. The page reports on itself in ``<div id="status">``:
``data-state`` (loading, then ready), ``data-visuals``, ``data-visuals-with-data`` (a chart drew at
least one element), ``data-errors`` (JavaScript errors, console errors and visuals that could not be
drawn), so a headless browser can check it with --dump-dom.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"


@cache
def chart_js() -> str:
    return (STATIC / "chart.umd.min.js").read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    # Inside <script>, "</" would end the element: JSON allows "<\/" for it.
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
header{background:#232f3e;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px;font-weight:600}
header p{margin:4px 0 0;font-size:12px;color:#cbd5e1}
main{padding:16px 24px}
h2{font-size:16px;margin:8px 0 12px}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 16px;min-width:0}
.card h3{font-size:14px;margin:0 0 8px;font-weight:600}
.chart{position:relative;height:300px}
.error{color:#b91c1c;font-size:13px;white-space:pre-wrap}
.empty{color:#6b7280;font-size:13px}
footer{padding:8px 24px 24px;font-size:12px;color:#4b5563}
#status{display:none}
"""

_SCRIPT = """
(function(){
  var status=document.getElementById('status'), errors=[];
  function fail(text){errors.push(String(text));status.setAttribute('data-errors',errors.length);
    document.getElementById('errors').textContent=errors.join('\\n');}
  window.addEventListener('error',function(e){fail('error: '+e.message);});
  window.addEventListener('unhandledrejection',function(e){fail('unhandled rejection: '+e.reason);});
  var consoleError=console.error;
  console.error=function(){fail('console.error: '+Array.prototype.join.call(arguments,' '));
    return consoleError.apply(console,arguments);};
  var palette=['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf'];
  var dashboard=JSON.parse(document.getElementById('dashboard-data').textContent);
  var total=0, withData=0;
  dashboard.sheets.forEach(function(sheet){sheet.visuals.forEach(function(v){
    total++;
    var holder=document.getElementById('visual-'+v.id);
    if(v.error){fail('visual '+v.id+': '+v.error);return;}
    if(!v.labels.length){holder.innerHTML='<p class="empty">No data</p>';return;}
    var canvas=document.createElement('canvas');holder.appendChild(canvas);
    var pie=v.kind==='pie', horizontal=v.kind==='bar'&&v.orientation==='HORIZONTAL';
    // Horizontal bars get a row each, so 25 labels stay readable.
    if(horizontal)holder.style.height=Math.max(300,v.labels.length*18+50)+'px';
    var datasets=v.series.map(function(s,i){var c=palette[i%palette.length];
      return {label:s.name,data:s.data,borderColor:pie?'#fff':c,
        backgroundColor:pie?v.labels.map(function(_,j){return palette[j%palette.length];}):c,
        borderWidth:v.kind==='line'?2:1,pointRadius:v.kind==='line'?2:0,tension:0,fill:false};});
    try{
      var chart=new Chart(canvas,{type:pie?(v.donut?'doughnut':'pie'):v.kind,
        data:{labels:v.labels,datasets:datasets},
        options:{animation:false,responsive:true,maintainAspectRatio:false,indexAxis:horizontal?'y':'x',
          interaction:{mode:pie?'nearest':'index',intersect:pie},
          plugins:{legend:{display:pie||v.series.length>1,position:pie?'right':'top'},
            tooltip:{enabled:true}},
          scales:pie?{}:{x:{stacked:!!v.stacked,ticks:{autoSkip:true,maxRotation:60}},
                         y:{stacked:!!v.stacked,beginAtZero:true,ticks:{autoSkip:!horizontal}}}}});
      var drawn=chart.data.datasets.some(function(d,i){return chart.getDatasetMeta(i).data.length>0;});
      if(drawn){withData++;holder.setAttribute('data-has-data','true');}
      else fail('visual '+v.id+': the chart drew no element');
    }catch(e){fail('visual '+v.id+': '+e);}
  });});
  status.setAttribute('data-visuals',total);
  status.setAttribute('data-visuals-with-data',withData);
  status.setAttribute('data-errors',errors.length);
  status.setAttribute('data-state','ready');
})();
"""


def _data_set_line(summary: dict[str, Any]) -> str:
    kind = {"SPICE": "SPICE extract", "DIRECT_QUERY": "direct query"}.get(
        summary["mode"], summary["mode"] or "?"
    )
    text = f"{summary['identifier']}: {summary['name'] or summary['data_set_id']} ({kind}, {summary['rows']:,} rows)"
    if summary.get("error"):
        text += f" - {summary['error']}"
    return html.escape(text)


def render_html(dashboard: dict[str, Any], endpoint: str = "") -> str:
    """The page for ``Renderer.render``'s result."""
    sections = []
    for sheet in dashboard["sheets"]:
        cards = []
        for visual in sheet["visuals"]:
            error = f'<p class="error">{html.escape(visual["error"])}</p>' if visual.get("error") else ""
            cards.append(
                f'<section class="card" data-visual="{html.escape(str(visual["id"]))}">'
                f"<h3>{html.escape(str(visual['title']))}</h3>{error}"
                f'<div class="chart" id="visual-{html.escape(str(visual["id"]))}"></div></section>'
            )
        sections.append(
            f'<h2>{html.escape(str(sheet["title"]))}</h2><div class="grid">{"".join(cards)}</div>'
        )
    sources = "<br>".join(_data_set_line(s) for s in dashboard["data_sets"])
    name = html.escape(str(dashboard["name"]))
    where = f" on {html.escape(endpoint)}" if endpoint else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{name}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{name}</h1><p>QuickSight dashboard {html.escape(str(dashboard['id']))}, published version "
        f"{dashboard['version']}, rendered by localaws{where}</p></header>"
        f"<main>{''.join(sections)}</main>"
        f'<footer>Data sets:<br>{sources}<pre id="errors" class="error"></pre></footer>'
        '<div id="status" data-state="loading" data-visuals="0" data-visuals-with-data="0" data-errors="0"></div>'
        f'<script id="dashboard-data" type="application/json">{_script_json(dashboard)}</script>'
        f"<script>{chart_js()}</script><script>{_SCRIPT}</script></body></html>\n"
    )
