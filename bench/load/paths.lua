-- wrk script: rotates over machi's public pages and JSON API, one path per request.
local paths = {
  "/", "/plan", "/plan/kpis", "/plan/roadmap", "/plan/measures/1-1-1", "/plan/measures/2-2-3",
  "/api/plan", "/plan/kpis/series.json", "/opendata", "/api/3/action/package_search",
  "/procedures", "/procedures?q=%E5%BC%95%E8%B6%8A%E3%81%97", "/procedures/tennyu",
  "/life-events", "/life-events/death?asked=1&q_kokuho=yes",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
