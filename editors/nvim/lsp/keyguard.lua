-- keyguard language server config for Neovim 0.11+ (vim.lsp.config).
--
--   vim.lsp.config('keyguard', { settings = { keyguard = { probe = { onSave = false } } } })
--   vim.lsp.enable('keyguard')
--
-- Neovim merges this file (found on 'runtimepath' as lsp/keyguard.lua) with
-- what you pass to vim.lsp.config. Older Neovim: require('keyguard').setup{}.
--
-- This file is self-contained (no require of lua/keyguard) so that it still
-- works when copied alone into ~/.config/nvim/lsp/. Its filetype list is
-- kept equal to lua/keyguard/init.lua's by editors/nvim/test/config_spec.lua.

-- Empty Lua tables encode as JSON arrays ([]); the server wants objects for
-- the settings section and its maps, so empty ones become vim.empty_dict().
-- List-valued settings stay lists.
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

-- The keyguard section of a client's settings, or nil when there is none.
local function section(settings)
  local s = type(settings) == 'table' and settings.keyguard or nil
  if type(s) ~= 'table' or next(s) == nil then
    return nil
  end
  return objects(s)
end

-- Answers workspace/configuration from the client's settings, so that
-- settings changed with vim.lsp.config reach the server when it asks again
-- (after workspace/didChangeConfiguration).
local function configuration(_, result, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local settings = client and (client.settings or (client.config and client.config.settings)) or {}
  local out = {}
  for _, item in ipairs((result and result.items) or {}) do
    local value = vim.NIL
    if item.section == 'keyguard' or item.section == nil or item.section == '' then
      value = section(settings) or vim.NIL
    elseif type(item.section) == 'string' and item.section:match('^keyguard%.') then
      -- "keyguard.probe" and the like: walk into the section.
      local cur = settings.keyguard
      for part in item.section:sub(10):gmatch('[^.]+') do
        cur = type(cur) == 'table' and cur[part] or nil
      end
      if cur ~= nil then
        value = objects(cur)
      end
    end
    table.insert(out, value)
  end
  return out
end

return {
  cmd = { 'keyguard', 'lsp', '--stdio' },
  filetypes = {
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
  },
  root_markers = { '.git', '.env' },
  -- The `keyguard` section, e.g. { keyguard = { endpoints = { openai = 'http://127.0.0.1:8080/v1' } } }.
  settings = { keyguard = {} },
  -- The same section goes out as initializationOptions, so the first
  -- diagnostics and probes already use it (the server pulls
  -- workspace/configuration only after initialize).
  before_init = function(params, config)
    local s = section(config.settings)
    if s then
      params.initializationOptions = s
    end
  end,
  handlers = {
    ['workspace/configuration'] = configuration,
    -- Probe verdicts feed require('keyguard').statusline() and
    -- :KeyguardStatus when the plugin's lua/ is on 'runtimepath' too.
    ['keyguard/probeResult'] = function(...)
      local ok, kg = pcall(require, 'keyguard')
      if ok then
        kg.on_probe_result(...)
      end
    end,
  },
}
