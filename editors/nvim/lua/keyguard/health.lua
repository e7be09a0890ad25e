-- :checkhealth keyguard
local M = {}

-- vim.health (0.10: start/ok/...; 0.8–0.9: report_*) or 0.7's require('health').
local function reporter()
  local h = vim.health
  if h and h.start then
    return h.start, h.ok, h.warn, h.error, h.info
  end
  if h and h.report_start then
    return h.report_start, h.report_ok, h.report_warn, h.report_error, h.report_info
  end
  local old = require('health')
  return old.report_start, old.report_ok, old.report_warn, old.report_error, old.report_info
end

function M.check()
  local start, ok, warn, error, info = reporter()
  start('keyguard')

  local v = vim.version()
  info(string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch))
  if vim.fn.has('nvim-0.7') ~= 1 then
    error('Neovim 0.7 or newer is needed')
  end

  local kg = require('keyguard')
  local cfg = kg.config()
  local cmd
  local how = {}
  if cfg then
    cmd = cfg.cmd
    table.insert(how, "require('keyguard').setup()")
  end
  -- nvim-lspconfig's registry, only when the user loaded lspconfig.
  local lc = package.loaded['lspconfig.configs']
  if lc and rawget(lc, 'keyguard') then
    local dc = lc.keyguard.default_config or {}
    cmd = cmd or (lc.keyguard.manager and lc.keyguard.manager.config and lc.keyguard.manager.config.cmd) or dc.cmd
    table.insert(how, "nvim-lspconfig (require('lspconfig').keyguard.setup)")
  end
  -- The native config counts only when enabled: vim.lsp.config.keyguard
  -- always resolves while lsp/keyguard.lua is on 'runtimepath'.
  local enabled = false
  if vim.lsp.is_enabled then
    enabled = vim.lsp.is_enabled('keyguard')
  elseif vim.lsp.config and vim.lsp._enabled_configs then
    enabled = vim.lsp._enabled_configs.keyguard ~= nil
  end
  if enabled then
    cmd = cmd or vim.lsp.config.keyguard.cmd
    table.insert(how, "vim.lsp.enable('keyguard') (Neovim 0.11+ native config)")
  end
  if #how == 0 then
    warn('keyguard is not set up', {
      "Neovim 0.11+: vim.lsp.enable('keyguard') with editors/nvim on 'runtimepath'",
      "older: require('keyguard').setup{}",
    })
    cmd = { 'keyguard', 'lsp', '--stdio' }
  elseif #how == 1 then
    ok('set up with ' .. how[1])
  else
    warn('set up more than once: ' .. table.concat(how, ', '), { 'use one of them, or each file gets two keyguard clients' })
  end
  if type(cmd) ~= 'table' then
    info('cmd is a function; not checking the binary')
    return
  end

  local bin = cmd[1]
  if vim.fn.executable(bin) ~= 1 then
    error(string.format("'%s' is not executable or not on PATH", bin), {
      'go install github.com/keyguard/keyguard/cmd/keyguard@latest (and put $(go env GOPATH)/bin on PATH)',
      "or setup{ cmd = { '/path/to/keyguard', 'lsp', '--stdio' } }",
    })
    return
  end
  ok(string.format('binary: %s', vim.fn.exepath(bin)))
  local out = vim.fn.systemlist({ bin, 'version' })
  if vim.v.shell_error ~= 0 or #out == 0 then
    error(string.format("'%s version' failed: %s", bin, table.concat(out, ' ')))
  else
    ok(string.format('version: %s', out[1]))
  end

  local clients = {}
  if vim.lsp.get_clients then
    clients = vim.lsp.get_clients({ name = 'keyguard' })
  else
    for _, c in pairs(vim.lsp.get_active_clients()) do
      if c.name == 'keyguard' then
        table.insert(clients, c)
      end
    end
  end
  if #clients == 0 then
    info('no keyguard server running (it starts with the first file it watches)')
  end
  for _, c in ipairs(clients) do
    ok(string.format('server running: client %d, root %s', c.id, c.config.root_dir or '?'))
  end
  -- vim.lsp.get_log_path() is deprecated from 0.11 (gone in 0.13).
  local log = vim.lsp.log and vim.lsp.log.get_filename and vim.lsp.log.get_filename() or vim.lsp.get_log_path()
  info('LSP log: ' .. log)
end

return M
