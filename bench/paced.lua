-- wrk script: POST the AdmissionReview in $FIXTURE, each connection pausing $DELAY_MS between a
-- response and its next request, so the offered load is a fixed rate below saturation.
local path = os.getenv("FIXTURE")
assert(path, "set FIXTURE to the request body file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local pause = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return pause
end
