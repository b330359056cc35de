-- wrk script for the reply-notification rows: every request replies to one comment, from 50 addresses, asking for replies.
-- wrk ... -s bench/post-reply.lua -- <thread url> <form token> <parent id>
local url, token, parent
local n = 0
function init(args)
  url = args[1]
  token = args[2]
  parent = args[3]
  math.randomseed(os.time())
end
function request()
  n = n + 1
  local body = string.format(
    '{"url":"%s","name":"Bench","email":"bench%d@example.org","body":"A *benchmark* reply, number %d-%d.","formToken":"%s","parentId":"%s","notifyReplies":true,"lang":"fr"}',
    url, n % 50, n, math.random(1, 1000000000), token, parent)
  return wrk.format("POST", "/api/v1/comments", { ["Content-Type"] = "application/json" }, body)
end
