-- keyguard for Neovim 0.7+: starts `keyguard lsp --stdio` for the buffers
-- it should watch, adds the :Keyguard* commands and a statusline function.
--
--   require('keyguard').setup{
--     cmd = { 'keyguard', 'lsp', '--stdio' },            -- optional
--     settings = { probe = { onSave = true }, endpoints = { ... } },  -- the `keyguard` section
--     filetypes = { ... },                               -- optional, replaces the default list
--   }
--
-- Neovim 0.11+ can use lsp/keyguard.lua with vim.lsp.enable('keyguard')
-- instead; this module works on both (0.7.2 is what Debian 12 ships).
local M = {}

M.name = 'keyguard'

-- Kept equal to lsp/keyguard.lua's list (checked by test/config_spec.lua).
M.default_filetypes = {
  -- code
  'python', 'javascript', 'typescript', 'javascriptreact', 'typescriptreact', 'vue', 'svelte',
  'go', 'java', 'kotlin', 'scala', 'groovy', 'cs', 'c', 'cpp', 'objc', 'swift', 'dart',
  'ruby', 'php', 'rust', 'zig', 'lua', 'r', 'elixir', 'erlang', 'perl', 'julia', 'haskell',
  'sh', 'bash', 'zsh', 'fish', 'ps1', 'sql', 'html',
  -- configuration and docs
  'yaml', 'json', 'jsonc', 'toml', 'conf', 'dosini', 'xml', 'jproperties',
  'dockerfile', 'make', 'terraform', 'hcl', 'nix', 'markdown', 'text',
  -- .env files: 'env' from Neovim 0.12 on (.env, .env.local, prod.env);
  -- 0.11 and older call .env 'sh' (listed above with the shells).
  'env',
}
M.default_root_markers = { '.git', '.env' }

local config = nil -- set by setup()
local group = nil -- the autocmd group
-- Last probe verdict per key fingerprint, from keyguard/probeResult.
-- Entries hold only the masked key, never the key itself.
M.verdicts = {}
-- Result of the last :KeyguardCheckEnv / :KeyguardCheckQuota / :KeyguardScanWorkspace.
M.last = {}

local uv = vim.uv or vim.loop

local has = function(feature)
  return vim.fn.has(feature) == 1
end

-- Client method calls: 0.11 wants client:request(), older ones client.request().
local function client_request(client, method, params, handler, bufnr)
  if has('nvim-0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_stop(client, force)
  if has('nvim-0.11') then
    return client:stop(force)
  end
  return client.stop(force)
end

local function client_is_stopped(client)
  if has('nvim-0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

local function get_clients(filter)
  filter = filter or {}
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  local out = {}
  for _, c in pairs(vim.lsp.get_active_clients()) do
    if (not filter.name or c.name == filter.name) and (not filter.bufnr or vim.lsp.buf_is_attached(filter.bufnr, c.id)) then
      table.insert(out, c)
    end
  end
  return out
end

-- notify is the one way this module talks to the user (tests wrap it).
function M.notify(msg, level)
  vim.notify('keyguard: ' .. msg, level or vim.log.levels.INFO)
end

-- confirm asks a yes/no question; tests replace it.
function M.confirm(msg)
  return vim.fn.confirm(msg, '&Yes\n&No', 2) == 1
end

-- .env, .env.local, prod.env: where keys belong, and what the server
-- probes. (.envrc is direnv's shell script, not a dotenv file.)
function M.is_env_file(path)
  local base = vim.fn.fnamemodify(path, ':t')
  return base == '.env' or base:match('^%.env%.') ~= nil or (base:match('%.env$') ~= nil and base ~= '.env')
end

-- Empty Lua tables encode as JSON arrays; the server wants objects for
-- the section and its maps (see lsp/keyguard.lua).
local list_keys = { allowedHosts = true, ignore = true }
local function objects(v, key)
  if type(v) ~= 'table' then
    return v
  end
  if next(v) == nil then
    if list_keys[key] then
      return v
    end
    return vim.empty_dict()
  end
  local out = {}
  for k, x in pairs(v) do
    out[k] = objects(x, k)
  end
  return out
end

local function section()
  local s = config and config.settings or nil
  if type(s) ~= 'table' or next(s) == nil then
    return nil
  end
  return objects(s)
end

-- find_root walks up from dir to the first directory holding a marker.
local function find_root(dir, markers)
  local cur = dir
  while cur and cur ~= '' do
    for _, m in ipairs(markers) do
      if uv.fs_stat(cur .. '/' .. m) then
        return cur
      end
    end
    local parent = vim.fn.fnamemodify(cur, ':h')
    if parent == cur then
      break
    end
    cur = parent
  end
  return nil
end

function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return nil
  end
  local dir = vim.fn.fnamemodify(name, ':p:h')
  -- Without a marker the file's own folder is the workspace: the
  -- move-to-.env fix needs somewhere to put .env.
  return find_root(dir, config.root_markers) or dir
end

-- on_probe_result handles keyguard/probeResult (also from the 0.11 config
-- in lsp/keyguard.lua, which calls it when this module is on 'runtimepath').
function M.on_probe_result(_, result, ctx)
  if type(result) ~= 'table' or not result.fingerprint then
    return
  end
  M.verdicts[result.fingerprint] = {
    provider = result.provider,
    secret = result.secret, -- masked by the server
    verdict = result.verdict,
    status = result.status,
    detail = result.detail,
    requestId = result.requestId,
    checkedAt = result.checkedAt,
    cached = result.cached,
    locations = result.locations or {},
    client_id = ctx and ctx.client_id,
  }
  pcall(vim.cmd, 'redrawstatus')
  if vim.api.nvim_exec_autocmds then
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'KeyguardProbeResult', modeline = false })
  end
end

local function configuration(_, result, ctx)
  local out = {}
  for _, item in ipairs((result and result.items) or {}) do
    local value = vim.NIL
    if item.section == 'keyguard' or item.section == nil or item.section == '' then
      value = section() or vim.NIL
    end
    table.insert(out, value)
  end
  return out
end

-- Neovim 0.7's window/logMessage and window/showMessage handlers print an
-- error when the client is gone, and a server stopped by :KeyguardRestart
-- may still log its last lines: those are dropped quietly.
local function while_alive(method)
  return function(err, result, ctx, cfg)
    if not (ctx and vim.lsp.get_client_by_id(ctx.client_id)) then
      return
    end
    return vim.lsp.handlers[method](err, result, ctx, cfg)
  end
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  -- 0.7's apply_workspace_edit handles CreateFile/RenameFile/DeleteFile
  -- in documentChanges but does not say so; saying it lets the server send
  -- the versioned form, so a stale fix is refused instead of misapplied.
  caps.workspace = caps.workspace or {}
  caps.workspace.workspaceEdit = caps.workspace.workspaceEdit or {}
  caps.workspace.workspaceEdit.documentChanges = true
  caps.workspace.workspaceEdit.resourceOperations = caps.workspace.workspaceEdit.resourceOperations
    or { 'create', 'rename', 'delete' }
  if config.capabilities then
    caps = vim.tbl_deep_extend('force', caps, config.capabilities)
  end
  return caps
end

local function client_config(root)
  return {
    name = M.name,
    cmd = config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    -- Normalised: Neovim 0.7 also pushes these with
    -- workspace/didChangeConfiguration, and an empty Lua table would go
    -- out as a JSON array.
    settings = { keyguard = section() or vim.empty_dict() },
    init_options = section(),
    capabilities = capabilities(),
    handlers = {
      ['keyguard/probeResult'] = M.on_probe_result,
      ['workspace/configuration'] = configuration,
      ['window/logMessage'] = while_alive('window/logMessage'),
      ['window/showMessage'] = while_alive('window/showMessage'),
    },
    on_attach = function(client, bufnr)
      if config.virtual_text ~= nil then
        M.virtual_text(client, config.virtual_text)
      end
      if config.on_attach then
        config.on_attach(client, bufnr)
      end
    end,
    flags = { debounce_text_changes = 80 },
  }
end

-- Client ids per root, for Neovim without vim.lsp.start (0.7).
local by_root = {}
local warned_missing = false

function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not config or not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = M.root_dir(bufnr)
  if not root then
    return nil
  end
  if vim.fn.executable(config.cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      M.notify(
        string.format("'%s' not found: install it (go install github.com/keyguard/keyguard/cmd/keyguard@latest) or set cmd in setup(); see :checkhealth keyguard", config.cmd[1]),
        vim.log.levels.WARN
      )
    end
    return nil
  end
  local cfg = client_config(root)
  if vim.lsp.start then
    return vim.lsp.start(cfg, { bufnr = bufnr })
  end
  local id = by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client_is_stopped(client) then
    local ok, res = pcall(vim.lsp.start_client, cfg)
    if not ok or not res then
      M.notify('could not start the server: ' .. tostring(res), vim.log.levels.ERROR)
      return nil
    end
    id = res
    by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.should_attach(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return false
  end
  if M.is_env_file(name) then
    return true
  end
  return vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype)
end

local function attach_if_wanted(args)
  local bufnr = args.buf
  if M.should_attach(bufnr) then
    M.attach(bufnr)
  end
end

-- The client for a buffer, else any keyguard client.
local function client_for(bufnr)
  local cs = get_clients({ name = M.name, bufnr = bufnr })
  if #cs == 0 then
    cs = get_clients({ name = M.name })
  end
  return cs[1]
end

local function short(path)
  return vim.fn.fnamemodify(path, ':~:.')
end

-- execute runs a server command; on_result gets the result table.
local function execute(command, arguments, on_result)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then
    M.notify('no keyguard server is running (open a file it watches, or see :checkhealth keyguard)', vim.log.levels.WARN)
    return false
  end
  local params = { command = command, arguments = arguments }
  client_request(client, 'workspace/executeCommand', params, function(err, result)
    if err then
      M.notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    on_result(result or {})
  end, bufnr)
  return true
end

local function env_args()
  local name = vim.api.nvim_buf_get_name(0)
  if name ~= '' and M.is_env_file(name) then
    return { vim.uri_from_fname(name) }
  end
  return {}
end

local function report_check(what, result)
  M.last[what] = result
  local lines = {}
  for _, r in ipairs(result.results or {}) do
    local line = string.format('%s:%d %s %s: %s', short(r.file or '?'), r.line or 0, r.var or '?', r.provider or '?', r.verdict or '?')
    if r.status and r.status ~= 0 then
      line = line .. string.format(' (%d)', r.status)
    end
    if r.detail and r.detail ~= '' then
      line = line .. ' - ' .. r.detail
    end
    table.insert(lines, line)
  end
  for _, i in ipairs(result.issues or {}) do
    table.insert(lines, string.format('%s:%d %s: %s', short(i.file or '?'), i.line or 0, i.code or '?', i.message or ''))
  end
  if #lines == 0 then
    lines = { 'no keys found in .env files' }
  end
  M.notify(what .. '\n' .. table.concat(lines, '\n'))
end

function M.check_env()
  return execute('keyguard.checkEnv', env_args(), function(res)
    report_check('checkEnv', res)
  end)
end

-- check_quota makes the paid 1-token request, so it asks first unless
-- force is set (:KeyguardCheckQuota!).
function M.check_quota(force)
  if not force and not M.confirm('keyguard: the quota check sends one paid 1-token request per working key. Go on?') then
    M.notify('quota check cancelled')
    return false
  end
  return execute('keyguard.checkQuota', env_args(), function(res)
    report_check('checkQuota', res)
  end)
end

function M.scan_workspace()
  return execute('keyguard.scanWorkspace', {}, function(res)
    M.last.scanWorkspace = res
    M.notify(string.format('%d keys in %d files (%d files with diagnostics, %d ms)', res.findings or 0, res.files or 0, res.documents or 0, res.ms or 0))
  end)
end

function M.restart()
  -- What was running, so that it can start again the same way whatever
  -- started it: setup() (M.attach), the 0.11+ native config or the
  -- nvim-lspconfig recipe (each client's own config).
  local running = {}
  local bufs = {}
  for _, c in ipairs(get_clients({ name = M.name })) do
    local r = { config = vim.tbl_extend('force', {}, c.config), bufs = {} }
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.lsp.buf_is_attached(b, c.id) then
        bufs[b] = true
        table.insert(r.bufs, b)
      end
    end
    table.insert(running, r)
    client_stop(c)
  end
  by_root = {}
  -- Give the servers time for shutdown/exit, then kill what is left, so
  -- that the new clients do not race the old ones for the same root.
  local gone = vim.wait(3000, function()
    return #get_clients({ name = M.name }) == 0
  end, 20)
  if not gone then
    for _, c in ipairs(get_clients({ name = M.name })) do
      client_stop(c, true)
    end
  end
  if config then
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and (bufs[b] or M.should_attach(b)) then
        M.attach(b)
      end
    end
  else
    for _, r in ipairs(running) do
      local id
      for _, b in ipairs(r.bufs) do
        if vim.api.nvim_buf_is_loaded(b) then
          if vim.lsp.start then
            id = vim.lsp.start(r.config, { bufnr = b })
          else
            id = id or vim.lsp.start_client(r.config)
            if id then
              vim.lsp.buf_attach_client(b, id)
            end
          end
        end
      end
    end
  end
  M.notify('restarted')
end

local order = { 'revoked', 'invalid', 'no-quota', 'restricted', 'rate-limited', 'unknown', 'valid', 'skipped' }

-- statusline: "" until a probe answered, then e.g. "keyguard: 1 invalid, 2 valid".
function M.statusline()
  local counts = {}
  for _, v in pairs(M.verdicts) do
    counts[v.verdict] = (counts[v.verdict] or 0) + 1
  end
  local parts = {}
  for _, verdict in ipairs(order) do
    if counts[verdict] then
      table.insert(parts, string.format('%d %s', counts[verdict], verdict))
      counts[verdict] = nil
    end
  end
  for verdict, n in pairs(counts) do
    table.insert(parts, string.format('%d %s', n, verdict))
  end
  if #parts == 0 then
    return ''
  end
  return 'keyguard: ' .. table.concat(parts, ', ')
end

function M.status_lines()
  local rows = {}
  for _, v in pairs(M.verdicts) do
    table.insert(rows, v)
  end
  table.sort(rows, function(a, b)
    return (a.checkedAt or '') > (b.checkedAt or '')
  end)
  local lines = {}
  for _, v in ipairs(rows) do
    local where = {}
    for _, l in ipairs(v.locations) do
      table.insert(where, string.format('%s:%d %s', short(vim.uri_to_fname(l.uri)), l.line or 0, l.var or ''))
    end
    local line = string.format('%s %s %s', v.provider or '?', v.secret or '?', v.verdict or '?')
    if v.status and v.status ~= 0 then
      line = line .. string.format(' (%d)', v.status)
    end
    if #where > 0 then
      line = line .. ' at ' .. table.concat(where, ', ')
    end
    if v.checkedAt then
      line = line .. ' checked ' .. v.checkedAt .. (v.cached and ' (cached)' or '')
    end
    if v.detail and v.detail ~= '' then
      line = line .. ' - ' .. v.detail
    end
    table.insert(lines, line)
  end
  return lines
end

function M.status()
  local lines = M.status_lines()
  if #lines == 0 then
    local n = #get_clients({ name = M.name })
    M.notify(string.format('no probe results yet (%d server%s running); open or save a .env file, or run :KeyguardCheckEnv', n, n == 1 and '' or 's'))
    return
  end
  M.notify('last probe verdicts\n' .. table.concat(lines, '\n'))
end

-- virtual_text turns Neovim's virtual text on (true, or a table of its
-- options) or off for keyguard's diagnostics only. Neovim 0.11+ has it off
-- for everything by default, so a person sees only the sign; setup{
-- virtual_text = true } calls this for each keyguard client.
function M.virtual_text(client, value)
  local ok, ns = pcall(vim.lsp.diagnostic.get_namespace, client.id)
  if ok and ns then
    vim.diagnostic.config({ virtual_text = value }, ns)
  end
end

-- fix_new_file_newline used to patch vim.lsp.util.apply_workspace_edit
-- against a blank line at the end of files the move fix created. The
-- server now places its edits so that every Neovim applies them exactly
-- (see lsp/append_edit.go), so this is a no-op kept for configs that call it.
function M.fix_new_file_newline() end

local function command(name, fn, opts)
  vim.api.nvim_create_user_command(name, fn, opts or {})
end

function M.setup(opts)
  opts = opts or {}
  config = {
    cmd = opts.cmd or { 'keyguard', 'lsp', '--stdio' },
    settings = opts.settings or {},
    filetypes = opts.filetypes or M.default_filetypes,
    root_markers = opts.root_markers or M.default_root_markers,
    capabilities = opts.capabilities,
    on_attach = opts.on_attach,
    virtual_text = opts.virtual_text,
  }
  if type(config.cmd) == 'string' then
    config.cmd = { config.cmd, 'lsp', '--stdio' }
  end
  warned_missing = false

  group = vim.api.nvim_create_augroup('keyguard', { clear = true })
  -- Neovim calls .env files "sh" (or nothing with filetype detection off);
  -- give them "sh" when nothing claimed them so they get highlighting.
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = { '.env', '.env.*', '*.env' },
    callback = function(args)
      if vim.bo[args.buf].filetype == '' then
        vim.bo[args.buf].filetype = 'sh'
      end
    end,
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = '*',
    callback = attach_if_wanted,
  })
  -- .env files without any filetype event (filetype detection off).
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = '*',
    callback = function(args)
      if vim.bo[args.buf].filetype == '' and M.should_attach(args.buf) then
        M.attach(args.buf)
      end
    end,
  })

  M.define_commands()

  -- Buffers already open when setup runs (lazy loading).
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and M.should_attach(b) then
      M.attach(b)
    end
  end
end

-- define_commands adds the :Keyguard* commands; setup() and
-- plugin/keyguard.lua call it (the latter for the 0.11 native config).
function M.define_commands()
  command('KeyguardCheckEnv', function()
    M.check_env()
  end, { desc = 'keyguard: probe the keys in .env files (one free request per key)' })
  command('KeyguardCheckQuota', function(a)
    M.check_quota(a.bang)
  end, { bang = true, desc = 'keyguard: check quota (a paid 1-token request per key; ! skips the question)' })
  command('KeyguardScanWorkspace', function()
    M.scan_workspace()
  end, { desc = 'keyguard: scan the whole workspace for hardcoded keys' })
  command('KeyguardRestart', function()
    M.restart()
  end, { desc = 'keyguard: restart the language server' })
  command('KeyguardStatus', function()
    M.status()
  end, { desc = 'keyguard: last probe verdicts' })
end

-- config() exposes the effective setup options (for :checkhealth).
function M.config()
  return config
end

return M
