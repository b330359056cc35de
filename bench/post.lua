-- wrk script for the posting row: a new body each request (the same body from the same email twice is a 409).
-- wrk ... -s bench/post.lua -- <thread url> <form token>
local url, token
local n = 0
function init(args)
  url = args[1]
  token = args[2]
  math.randomseed(os.time())
end
function request()
  n = n + 1
  local body = string.format(
    '{"url":"%s","name":"Bench","email":"bench%d@example.org","body":"A *benchmark* comment, number %d-%d.","formToken":"%s"}',
    url, n % 50, n, math.random(1, 1000000000), token)
  return wrk.format("POST", "/api/v1/comments", { ["Content-Type"] = "application/json" }, body)
end
