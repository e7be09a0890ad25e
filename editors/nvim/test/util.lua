-- Helpers shared by the headless Neovim tests (run by scripts/e2e-nvim).
-- Nothing here may print a full key: every message passes through mask().
local U = {}

local secrets = {}

-- secret registers a string that must never be printed.
function U.secret(s)
  if s and s ~= '' then
    table.insert(secrets, s)
  end
  return s
end

function U.masked(s)
  return s:sub(1, 6) .. '…' .. s:sub(-4)
end

function U.mask(msg)
  msg = tostring(msg)
  for _, s in ipairs(secrets) do
    local i = 1
    while true do
      local a, b = msg:find(s, i, true)
      if not a then
        break
      end
      msg = msg:sub(1, a - 1) .. U.masked(s) .. msg:sub(b + 1)
      i = a + 1
    end
  end
  return msg
end

local t0 = vim.loop.hrtime()
function U.log(fmt, ...)
  local ms = (vim.loop.hrtime() - t0) / 1e6
  io.stderr:write(string.format('[%7.0f ms] ', ms) .. U.mask(string.format(fmt, ...)) .. '\n')
end

function U.env(name)
  local v = os.getenv(name)
  if not v or v == '' then
    error(name .. ' is not set (run scripts/e2e-nvim)')
  end
  return v
end

-- fail ends Neovim with exit code 1 after one FAIL line.
function U.fail(reason)
  io.stderr:write('FAIL: ' .. U.mask(reason) .. '\n')
  io.stderr:flush()
  vim.cmd('cquit 1')
end

function U.check(cond, fmt, ...)
  if not cond then
    error(string.format(fmt, ...), 2)
  end
end

-- wait polls pred for up to ms; returns its value or errors with what.
function U.wait(ms, what, pred)
  local result
  local ok = vim.wait(ms, function()
    result = pred()
    return result and true or false
  end, 20)
  if not ok then
    error(string.format('timed out after %d ms waiting for %s', ms, what), 2)
  end
  return result
end

function U.read(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local s = f:read('*a')
  f:close()
  return s
end

function U.write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

function U.contains(s, needle)
  return s ~= nil and s:find(needle, 1, true) ~= nil
end

-- code of a vim.diagnostic entry (0.7 keeps it in user_data.lsp too).
function U.diag_code(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

function U.diags_with(bufnr, code)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if U.diag_code(d) == code then
      table.insert(out, d)
    end
  end
  return out
end

-- line_action_params asks for the code actions of a diagnostic's whole
-- line (whole lines need no UTF-16 column arithmetic).
function U.line_action_params(bufnr, d)
  local lsp = d.user_data and d.user_data.lsp or {}
  local range = { start = { line = d.lnum, character = 0 }, ['end'] = { line = d.lnum + 1, character = 0 } }
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    context = { diagnostics = { { range = range, message = d.message, source = d.source, code = U.diag_code(d), data = lsp.data } } },
  }
end

function U.clients(name, bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = name, bufnr = bufnr })
  end
  local out = {}
  for _, c in pairs(vim.lsp.get_active_clients()) do
    if c.name == name and (not bufnr or vim.lsp.buf_is_attached(bufnr, c.id)) then
      table.insert(out, c)
    end
  end
  return out
end

-- request_sync works on 0.7 (client.request_sync) and 0.11 (client:request_sync).
function U.request_sync(client, method, params, ms, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request_sync(method, params, ms, bufnr)
  end
  return client.request_sync(method, params, ms, bufnr)
end

-- http_get fetches a loopback URL with libuv (no curl needed); returns
-- status and body.
function U.http_get(url, ms)
  local host, port, path = url:match('^http://([%d%.]+):(%d+)(/.*)$')
  assert(host, 'want http://IP:PORT/path, got ' .. url)
  local tcp = vim.loop.new_tcp()
  local chunks, done, err = {}, false, nil
  tcp:connect(host, tonumber(port), function(cerr)
    if cerr then
      err, done = cerr, true
      return
    end
    tcp:write(string.format('GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n', path, host, port))
    tcp:read_start(function(rerr, data)
      if rerr then
        err, done = rerr, true
      elseif data then
        table.insert(chunks, data)
      else
        done = true
      end
    end)
  end)
  vim.wait(ms or 5000, function()
    return done
  end, 10)
  if not tcp:is_closing() then
    tcp:close()
  end
  if not done then
    error('GET ' .. url .. ' timed out')
  end
  if err then
    error('GET ' .. url .. ': ' .. tostring(err))
  end
  local raw = table.concat(chunks)
  local status = tonumber(raw:match('^HTTP/%d%.%d (%d+)'))
  local body = raw:match('\r\n\r\n(.*)$') or ''
  return status, body
end

function U.version()
  local v = vim.version()
  return string.format('%d.%d.%d', v.major, v.minor, v.patch)
end

-- log_path is Neovim's LSP log (vim.lsp.get_log_path() is deprecated from 0.11).
function U.log_path()
  if vim.lsp.log and vim.lsp.log.get_filename then
    return vim.lsp.log.get_filename()
  end
  return vim.lsp.get_log_path()
end

-- run calls fn and turns any error into a FAIL line and exit code 1; on
-- success it prints the pass line and quits with 0.
function U.run(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    U.fail(tostring(err))
    return
  end
  io.stderr:write('\n' .. name .. ': ok\n')
  -- The shell reads success from this file: Neovim's own messages can
  -- share a line with anything written to stderr.
  local done = os.getenv('KG_DONE')
  if done and done ~= '' then
    U.write(done .. '.' .. name, 'ok')
  end
  vim.cmd('qall!')
end

return U
