-- wrk script for the posting rows: a new body each request (the same body from the same email twice is a 409).
-- wrk ... -s bench/post.lua -- <thread url> <form token> [<parent id>]
-- With a parent id every post replies to it and asks for replies (the reader-notification rows).
local url, token, extra
local n = 0
function init(args)
  url = args[1]
  token = args[2]
  extra = args[3] and string.format(',"parentId":"%s","notifyReplies":true,"lang":"fr"', args[3]) or ''
  math.randomseed(os.time())
end
function request()
  n = n + 1
  local body = string.format(
    '{"url":"%s","name":"Bench","email":"bench%d@example.org","body":"A *benchmark* comment, number %d-%d.","formToken":"%s"%s}',
    url, n % 50, n, math.random(1, 1000000000), token, extra)
  return wrk.format("POST", "/api/v1/comments", { ["Content-Type"] = "application/json" }, body)
end
