-- Headless end-to-end test of the keyguard Neovim plugin against the real
-- `keyguard lsp` binary and a loopback fake provider. Run by
-- scripts/e2e-nvim, which builds the binary, starts the fake and writes the
-- workspaces:
--   KG_BIN     the built keyguard binary
--   KG_FAKE    the fake provider's base URL (http://127.0.0.1:PORT)
--   KG_WS      workspace 1: .git/, app.py with KG_KEY, .env with KG_KEY
--              (the fake answers 401 for it), lib/config.js with KG_KEY2
--   KG_WS2     workspace 2: .git/, src/client.ts with KG_KEY3, .gitignore, no .env
--   KG_KEY, KG_KEY2, KG_KEY3  fake keys; never printed
-- The test uses the plugin itself (require('keyguard').setup) and Neovim's
-- own code-action, workspace-edit and diagnostic machinery.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/')
package.path = here .. '/?.lua;' .. package.path
local U = require('util')

U.run('e2e', function()
  local BIN, FAKE = U.env('KG_BIN'), U.env('KG_FAKE')
  local WS, WS2 = U.env('KG_WS'), U.env('KG_WS2')
  local KEY, KEY2, KEY3 = U.secret(U.env('KG_KEY')), U.secret(U.env('KG_KEY2')), U.secret(U.env('KG_KEY3'))
  local v = vim.version()
  U.log('Neovim %d.%d.%d', v.major, v.minor, v.patch)

  vim.cmd('filetype on')
  vim.o.hidden = true
  vim.o.swapfile = false
  vim.o.shortmess = vim.o.shortmess .. 'I'

  local kg = require('keyguard')
  -- Everything the plugin tells the user, to check it and to check that
  -- no key is in it.
  local notes = {}
  local orig_notify = kg.notify
  kg.notify = function(msg, level)
    table.insert(notes, msg)
    U.log('notify: %s', msg)
    return orig_notify(msg, level)
  end
  local function notes_text()
    return table.concat(notes, '\n')
  end

  -- Virtual text on for keyguard only; another server's diagnostics keep
  -- Neovim's default.
  local vt_default = vim.diagnostic.config().virtual_text
  kg.setup({
    virtual_text = { prefix = 'kg' },
    cmd = { BIN, 'lsp', '--stdio', '--log-level', 'debug' },
    settings = {
      endpoints = { openai = FAKE .. '/v1' },
      probe = { ttlSeconds = 600 },
      severity = {},
    },
  })

  ---------------------------------------------------------------- app.py
  vim.cmd('edit ' .. vim.fn.fnameescape(WS .. '/app.py'))
  local app = vim.api.nvim_get_current_buf()
  U.check(vim.bo[app].filetype == 'python', 'app.py filetype is %q', vim.bo[app].filetype)
  local client = U.wait(10000, 'the keyguard client to attach to app.py', function()
    return U.clients('keyguard', app)[1]
  end)
  U.wait(10000, 'the client to initialize', function()
    return client.initialized
  end)
  U.log('client %d attached, root %s', client.id, client.config.root_dir)
  local vt = vim.diagnostic.config(nil, vim.lsp.diagnostic.get_namespace(client.id)).virtual_text
  U.check(type(vt) == 'table' and vt.prefix == 'kg', 'virtual_text for keyguard: %s', vim.inspect(vt))
  U.check(vim.deep_equal(vim.diagnostic.config().virtual_text, vt_default), 'setup{ virtual_text } changed the global default to %s', vim.inspect(vim.diagnostic.config().virtual_text))
  U.check(client.config.root_dir == WS, 'root_dir %s, want %s', tostring(client.config.root_dir), WS)

  local diag = U.wait(10000, 'the hardcoded-key diagnostic in app.py', function()
    return U.diags_with(app, 'hardcoded-key')[1]
  end)
  U.log('diagnostic: %s', diag.message)
  U.check(not U.contains(diag.message, KEY), 'the diagnostic message holds the full key')
  -- The key's line has non-ASCII text before it: the range is right only if
  -- UTF-16 positions were converted both ways.
  local line = vim.api.nvim_buf_get_lines(app, diag.lnum, diag.lnum + 1, false)[1]
  local under = line:sub(diag.col + 1, diag.end_col)
  U.check(under == KEY, 'the diagnostic range covers %q, not the key', under)

  -- The list, as the server sends it: the move fix is there, preferred.
  local resp = U.request_sync(client, 'textDocument/codeAction', U.line_action_params(app, diag), 5000, app)
  U.check(resp and not resp.err and resp.result, 'codeAction failed: %s', vim.inspect(resp))
  local titles = {}
  local move
  for _, a in ipairs(resp.result) do
    table.insert(titles, a.title)
    if a.title:sub(1, #'Move key to .env') == 'Move key to .env' then
      move = a
    end
  end
  U.log('code actions: %s', table.concat(titles, ' | '))
  U.check(move, 'no "Move key to .env" action among %s', table.concat(titles, ' | '))
  U.check(move.kind == 'quickfix' and move.isPreferred == true, 'move action kind %s preferred %s', tostring(move.kind), tostring(move.isPreferred))

  -- The plugin advertises documentChanges (0.7 applies them but does not
  -- say so): the resolved fix creates .gitignore and .env.example with
  -- CreateFile. Resolving does not apply anything.
  local resolved = U.request_sync(client, 'codeAction/resolve', move, 5000, app)
  U.check(resolved and resolved.result and resolved.result.edit, 'codeAction/resolve failed: %s', vim.inspect(resolved and resolved.err))
  local creates = {}
  for _, c in ipairs(resolved.result.edit.documentChanges or {}) do
    if c.kind == 'create' then
      table.insert(creates, vim.fn.fnamemodify(vim.uri_to_fname(c.uri), ':t'))
    end
  end
  table.sort(creates)
  U.check(table.concat(creates, ' ') == '.env.example .gitignore', 'CreateFile for %q, want .env.example and .gitignore', table.concat(creates, ' '))

  -- Apply it the way a user does: :lua vim.lsp.buf.code_action() on the
  -- key, picking the move fix in the menu. Neovim resolves it
  -- (codeAction/resolve) and applies the WorkspaceEdit itself.
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col + 2 })
  local picked
  local orig_select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    for i, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      if type(title) == 'string' and title:sub(1, #'Move key to .env') == 'Move key to .env' then
        picked = title
        return on_choice(item, i)
      end
    end
    return on_choice(nil, nil)
  end
  vim.lsp.buf.code_action()
  U.wait(10000, 'the move fix to edit app.py', function()
    return picked and not U.contains(table.concat(vim.api.nvim_buf_get_lines(app, 0, -1, false), '\n'), KEY)
  end)
  vim.ui.select = orig_select
  U.log('applied %q', picked)

  vim.cmd('silent wall')
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified then
      error('still modified after :wall: ' .. vim.api.nvim_buf_get_name(b))
    end
  end

  local app_py = U.read(WS .. '/app.py') or ''
  U.check(app_py:match('^import os\n') or app_py:match('\nimport os\n'), 'app.py has no "import os":\n%s', app_py)
  U.check(U.contains(app_py, 'os.environ["OPENAI_API_KEY"]'), 'app.py has no os.environ["OPENAI_API_KEY"]:\n%s', app_py)
  U.check(not U.contains(app_py, KEY), 'app.py still holds the key')
  U.check(U.contains(app_py, 'label = "clé 🔑"'), 'app.py lost its non-ASCII line:\n%s', app_py)
  local dotenv = U.read(WS .. '/.env') or ''
  U.check(U.contains(dotenv, 'OPENAI_API_KEY=' .. KEY), '.env does not hold OPENAI_API_KEY=<key>:\n%s', dotenv)
  local _, n = dotenv:gsub(KEY:gsub('%p', '%%%0'), '')
  U.check(n == 1, '.env holds the key %d times, want 1 (the variable is reused)', n)
  -- Both files are new (CreateFile + TextDocumentEdit): exact contents,
  -- no blank line at the end (see fix_new_file_newline in the plugin).
  local gitignore = U.read(WS .. '/.gitignore') or ''
  U.check(gitignore == '.env\n', '.gitignore is %q, want ".env\\n"', gitignore)
  local example = U.read(WS .. '/.env.example') or ''
  U.check(example == 'OPENAI_API_KEY=\n', '.env.example is %q, want "OPENAI_API_KEY=\\n"', example)
  U.log('files on disk are right')

  U.wait(10000, 'app.py to lose its hardcoded-key diagnostic', function()
    return #U.diags_with(app, 'hardcoded-key') == 0
  end)

  ---------------------------------------------------------------- .env
  vim.cmd('edit ' .. vim.fn.fnameescape(WS .. '/.env'))
  local env = vim.api.nvim_get_current_buf()
  U.wait(10000, 'the client to attach to .env', function()
    return U.clients('keyguard', env)[1]
  end)
  local bad = U.wait(15000, 'the env-key-invalid diagnostic in .env', function()
    return U.diags_with(env, 'env-key-invalid')[1]
  end)
  U.log('.env diagnostic: %s', bad.message)
  U.check(not U.contains(bad.message, KEY), 'the .env diagnostic holds the full key')
  U.wait(5000, 'statusline() to show the invalid verdict', function()
    return U.contains(kg.statusline(), '1 invalid')
  end)
  U.log('statusline: %s', kg.statusline())

  vim.cmd('KeyguardStatus')
  U.check(U.contains(notes_text(), U.masked(KEY)) and U.contains(notes_text(), 'invalid'), ':KeyguardStatus does not show the masked key and verdict:\n%s', notes_text())

  vim.cmd('KeyguardCheckEnv')
  local check = U.wait(15000, ':KeyguardCheckEnv to answer', function()
    return kg.last.checkEnv
  end)
  local row
  for _, r in ipairs(check.results or {}) do
    if r.var == 'OPENAI_API_KEY' then
      row = r
    end
  end
  U.check(row and row.verdict == 'invalid' and row.status == 401, 'checkEnv row %s', vim.inspect(row))
  U.check(U.contains(kg.statusline(), 'invalid'), 'statusline %q after :KeyguardCheckEnv', kg.statusline())
  U.check(U.contains(notes_text(), 'OPENAI_API_KEY openai: invalid (401)'), ':KeyguardCheckEnv printed:\n%s', notes_text())

  -- The quota check costs money: saying no must send nothing.
  kg.confirm = function()
    return false
  end
  U.check(kg.check_quota(false) == false, 'check_quota went on after the user said no')
  vim.cmd('KeyguardCheckQuota!')
  local quota = U.wait(15000, ':KeyguardCheckQuota! to answer', function()
    return kg.last.checkQuota
  end)
  U.check(quota.results and quota.results[1] and quota.results[1].verdict == 'invalid', 'checkQuota %s', vim.inspect(quota))

  vim.cmd('KeyguardScanWorkspace')
  local scan = U.wait(15000, ':KeyguardScanWorkspace to answer', function()
    return kg.last.scanWorkspace
  end)
  U.log('scan: %s', vim.inspect(scan):gsub('%s+', ' '))
  U.check(scan.findings == 1 and scan.documents == 1, 'scan found %s keys in %s documents, want 1 in 1 (lib/config.js)', tostring(scan.findings), tostring(scan.documents))
  local cfg_buf = vim.fn.bufnr(WS .. '/lib/config.js')
  U.check(cfg_buf > 0 and #U.diags_with(cfg_buf, 'hardcoded-key') == 1, 'no hardcoded-key diagnostic for the unopened lib/config.js')

  -- The fake saw exactly one probe: the .env key, once (open, save and
  -- both commands share the cached verdict; code keys are never probed).
  local status, body = U.http_get(FAKE .. '/_fake/requests')
  U.check(status == 200, 'GET /_fake/requests: %s', tostring(status))
  local reqs = vim.fn.json_decode(body)
  local seen = {}
  for _, r in ipairs(reqs) do
    table.insert(seen, r.Method .. ' ' .. r.Path .. (r.Query ~= '' and ('?' .. r.Query) or ''))
  end
  U.log('fake provider requests: %s', table.concat(seen, ', '))
  U.check(#reqs == 1 and reqs[1].Method == 'GET' and reqs[1].Path == '/v1/models' and reqs[1].Query == '',
    'fake provider got %s, want exactly GET /v1/models', table.concat(seen, ', '))
  U.check(reqs[1].Headers.Authorization == '(masked)', 'the probe sent no Authorization header')

  ---------------------------------------------------------------- :checkhealth
  vim.cmd('checkhealth keyguard')
  local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  U.log('checkhealth:\n%s', health)
  U.check(U.contains(health, 'version: keyguard'), ':checkhealth keyguard does not show the version')
  U.check(not U.contains(health, 'ERROR'), ':checkhealth keyguard reports an error')
  U.check(U.contains(health, 'server running'), ':checkhealth keyguard does not see the server')
  vim.cmd('tabclose')

  ---------------------------------------------------------------- :KeyguardRestart
  local old_ids = {}
  for _, c in ipairs(U.clients('keyguard')) do
    old_ids[c.id] = true
  end
  kg.verdicts = {}
  vim.cmd('KeyguardRestart')
  local fresh = U.wait(10000, 'a new client on .env after :KeyguardRestart', function()
    local c = U.clients('keyguard', env)[1]
    return c and not old_ids[c.id] and c.initialized and c
  end)
  U.check(U.clients('keyguard', app)[1] and U.clients('keyguard', app)[1].id == fresh.id, 'app.py is not attached to the new client')
  -- A new server has an empty cache: the .env key is probed once more.
  U.wait(15000, 'a probe verdict from the restarted server', function()
    return U.contains(kg.statusline(), '1 invalid')
  end)
  status, body = U.http_get(FAKE .. '/_fake/requests')
  U.check(#vim.fn.json_decode(body) == 2, 'after the restart the fake saw %d requests, want 2', #vim.fn.json_decode(body))

  ---------------------------------------------------------------- workspace 2: plain `changes`
  -- A client that does not advertise documentChanges gets the plain
  -- changes map; .env does not exist yet, and probes are off.
  kg.setup({
    cmd = { BIN, 'lsp', '--stdio' },
    settings = { probe = { enabled = false }, endpoints = { openai = FAKE .. '/v1' } },
    capabilities = { workspace = { workspaceEdit = { documentChanges = false } } },
  })
  vim.cmd('edit ' .. vim.fn.fnameescape(WS2 .. '/src/client.ts'))
  local ts = vim.api.nvim_get_current_buf()
  local client2 = U.wait(10000, 'a client for workspace 2', function()
    local c = U.clients('keyguard', ts)[1]
    return c and c.initialized and c
  end)
  U.check(client2.id ~= fresh.id and client2.config.root_dir == WS2, 'workspace 2 shares a client or has root %s', tostring(client2.config.root_dir))
  local d2 = U.wait(10000, 'the hardcoded-key diagnostic in client.ts', function()
    return U.diags_with(ts, 'hardcoded-key')[1]
  end)
  resp = U.request_sync(client2, 'textDocument/codeAction', U.line_action_params(ts, d2), 5000, ts)
  U.check(resp and resp.result, 'codeAction in workspace 2 failed: %s', vim.inspect(resp and resp.err))
  move = nil
  for _, a in ipairs(resp.result) do
    if a.title:sub(1, #'Move key to .env') == 'Move key to .env' then
      move = a
    end
  end
  U.check(move, 'no move action in workspace 2')
  if not move.edit then
    local r = U.request_sync(client2, 'codeAction/resolve', move, 5000, ts)
    U.check(r and r.result and r.result.edit, 'codeAction/resolve failed: %s', vim.inspect(r and r.err))
    move = r.result
  end
  U.check(move.edit.changes and not move.edit.documentChanges, 'workspace 2 got documentChanges although the client did not advertise them')
  vim.lsp.util.apply_workspace_edit(move.edit, client2.offset_encoding or 'utf-16')
  vim.cmd('silent wall')
  local ts_src = U.read(WS2 .. '/src/client.ts') or ''
  U.check(U.contains(ts_src, 'process.env.OPENAI_API_KEY') and not U.contains(ts_src, KEY3), 'client.ts:\n%s', ts_src)
  local env2 = U.read(WS2 .. '/.env') or ''
  U.check(env2 == 'OPENAI_API_KEY=' .. KEY3 .. '\n', 'workspace 2 .env is not exactly OPENAI_API_KEY=<key>\\n: %q', env2)
  local ex2 = U.read(WS2 .. '/.env.example') or ''
  U.check(ex2 == 'OPENAI_API_KEY=\n', 'workspace 2 .env.example is %q', ex2)
  local gi2 = U.read(WS2 .. '/.gitignore') or ''
  U.check(gi2 == 'node_modules/\n.env\n', 'workspace 2 .gitignore:\n%s', gi2)
  U.log('workspace 2 (changes map) is right')

  ---------------------------------------------------------------- no key anywhere
  local messages = vim.api.nvim_exec('messages', true)
  local logtext = U.read(U.log_path()) or ''
  for _, k in ipairs({ KEY, KEY2, KEY3 }) do
    U.check(not U.contains(messages, k), ':messages holds a full key')
    U.check(not U.contains(notes_text(), k), 'a keyguard notification holds a full key')
    U.check(not U.contains(logtext, k), 'the LSP log (%s) holds a full key', U.log_path())
  end
  -- The checks above are only worth something if the server's stderr
  -- (debug level, every probe) really reached the log.
  U.check(U.contains(logtext, 'msg=probe') and U.contains(logtext, U.masked(KEY)), 'the LSP log has no probe line from the server stderr')
  U.log('no full key in :messages, notifications or %s (%d bytes)', U.log_path(), #logtext)

  for _, c in ipairs(U.clients('keyguard')) do
    if vim.fn.has('nvim-0.11') == 1 then
      c:stop()
    else
      c.stop()
    end
  end
  vim.wait(3000, function()
    return #U.clients('keyguard') == 0
  end, 20)
end)
