-- wrk: requests drawn from bench/mall's mix file (MIX in the environment), weighted; a fresh
-- Idempotency-Key for every subscription. Counts answers that are not 200 per kind.
local lines, total = {}, 0
local counter = 0
local thread_id = 0

local function split(s, sep)
  local out = {}
  for part in (s .. sep):gmatch("(.-)" .. sep) do out[#out + 1] = part end
  return out
end

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  for line in io.lines(os.getenv("MIX")) do
    if line:sub(1, 1) ~= "#" and #line > 0 then
      local c = split(line, "\t")
      local headers = {}
      if c[5] ~= "-" then
        for _, h in ipairs(split(c[5], "|")) do
          local name, value = h:match("^([^:]+):%s*(.*)$")
          headers[name] = value
        end
      end
      if c[6] ~= "-" then headers["Content-Type"] = "application/json" end
      lines[#lines + 1] = { weight = tonumber(c[1]), method = c[3], path = c[4], headers = headers, body = c[6] ~= "-" and c[6] or nil }
      total = total + tonumber(c[1])
    end
  end
  math.randomseed(os.time() + (tid or 0))
end

function request()
  local pick = math.random(total)
  for _, l in ipairs(lines) do
    if pick <= l.weight then
      if l.headers["Idempotency-Key"] then
        counter = counter + 1
        l.headers["Idempotency-Key"] = string.format("wrk-%d-%d-%d", os.time(), tid or 0, counter)
      end
      return wrk.format(l.method, l.path, l.headers, l.body)
    end
    pick = pick - l.weight
  end
end
