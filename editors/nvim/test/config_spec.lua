-- lsp/keyguard.lua, the Neovim 0.11+ config, checked on whatever Neovim
-- runs the test (Debian 12 has 0.7.2, where vim.lsp.config does not exist):
--   1. it loads as a table with the fields vim.lsp.config expects;
--   2. its filetypes equal require('keyguard').default_filetypes;
--   3. before_init and the workspace/configuration handler send the
--      `keyguard` section as JSON objects;
--   4. a real client started from the table (0.11: vim.lsp.config +
--      vim.lsp.enable; older: vim.lsp.start_client with root_dir from
--      root_markers) initializes and publishes a hardcoded-key diagnostic.
-- Env: KG_BIN, KG_WS3 (a .git dir and main.go holding KG_KEY2), KG_KEY2.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/')
package.path = here .. '/?.lua;' .. package.path
local U = require('util')

U.run('config', function()
  local BIN, WS3 = U.env('KG_BIN'), U.env('KG_WS3')
  U.secret(U.env('KG_KEY2'))
  vim.cmd('filetype on')

  local files = vim.api.nvim_get_runtime_file('lsp/keyguard.lua', true)
  U.check(#files == 1, 'lsp/keyguard.lua found %d times on runtimepath', #files)
  local cfg = dofile(files[1])
  U.check(type(cfg) == 'table', 'lsp/keyguard.lua returned %s, want a table', type(cfg))
  U.check(vim.deep_equal(cfg.cmd, { 'keyguard', 'lsp', '--stdio' }), 'cmd %s', vim.inspect(cfg.cmd))
  U.check(vim.deep_equal(cfg.root_markers, { '.git', '.env' }), 'root_markers %s', vim.inspect(cfg.root_markers))
  U.check(type(cfg.settings) == 'table' and type(cfg.settings.keyguard) == 'table', 'settings.keyguard missing')
  U.check(type(cfg.before_init) == 'function', 'before_init missing')
  U.check(type(cfg.handlers) == 'table' and type(cfg.handlers['workspace/configuration']) == 'function', 'workspace/configuration handler missing')
  for _, ft in ipairs({ 'python', 'javascript', 'typescriptreact', 'go', 'cs', 'sh', 'env', 'yaml', 'json', 'toml', 'text' }) do
    U.check(vim.tbl_contains(cfg.filetypes, ft), 'filetypes lack %s', ft)
  end
  local kg = require('keyguard')
  U.check(vim.deep_equal(cfg.filetypes, kg.default_filetypes), 'lsp/keyguard.lua and lua/keyguard/init.lua list different filetypes')

  -- before_init: the section goes out as initializationOptions, empty maps
  -- as JSON objects; no section, no initializationOptions.
  local params = {}
  cfg.before_init(params, { settings = { keyguard = { endpoints = {}, probe = { enabled = false, allowedHosts = {} } } } })
  local init = vim.fn.json_encode(params.initializationOptions):gsub('%s', '')
  U.check(U.contains(init, '"endpoints":{}') and U.contains(init, '"allowedHosts":[]') and U.contains(init, '"enabled":false'),
    'initializationOptions encode as %s', init)
  params = {}
  cfg.before_init(params, { settings = { keyguard = {} } })
  U.check(params.initializationOptions == nil, 'empty settings still sent initializationOptions')

  ---------------------------------------------------------------- a real client
  local settings = { keyguard = { probe = { enabled = false }, severity = { ['hardcoded-key'] = 'hint' } } }
  vim.cmd('edit ' .. vim.fn.fnameescape(WS3 .. '/main.go'))
  local buf = vim.api.nvim_get_current_buf()
  local client
  if vim.lsp.config and vim.lsp.enable then
    -- Neovim 0.11+: the real thing.
    vim.lsp.config('keyguard', { cmd = { BIN, 'lsp', '--stdio' }, settings = settings })
    vim.lsp.enable('keyguard')
    vim.cmd('edit') -- re-fire FileType for the buffer
  else
    -- What 0.11 would do with the table: root from root_markers, the
    -- table's handlers and before_init in a client.
    local root
    local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h')
    while dir and not root do
      for _, m in ipairs(cfg.root_markers) do
        if vim.loop.fs_stat(dir .. '/' .. m) then
          root = dir
        end
      end
      local parent = vim.fn.fnamemodify(dir, ':h')
      dir = parent ~= dir and parent or nil
    end
    U.check(root == WS3, 'root from root_markers is %s, want %s', tostring(root), WS3)
    local c = vim.tbl_extend('force', cfg, { name = 'keyguard', cmd = { BIN, 'lsp', '--stdio' }, root_dir = root, settings = settings })
    local id = vim.lsp.start_client(c)
    U.check(id, 'start_client failed')
    vim.lsp.buf_attach_client(buf, id)
  end
  client = U.wait(10000, 'the client to initialize', function()
    local c = U.clients('keyguard', buf)[1]
    return c and c.initialized and c
  end)
  local d = U.wait(10000, 'a hardcoded-key diagnostic in main.go', function()
    return U.diags_with(buf, 'hardcoded-key')[1]
  end)
  -- severity came through the settings (initializationOptions and the
  -- workspace/configuration answer): hint instead of the default.
  U.check(d.severity == vim.diagnostic.severity.HINT, 'severity %s, want HINT from settings', tostring(d.severity))

  -- The handler answers the server's pull with the section as an object.
  local answer = cfg.handlers['workspace/configuration'](nil, { items = { { section = 'keyguard' }, { section = 'keyguard.probe' }, { section = 'other' } } }, { client_id = client.id })
  U.check(#answer == 3, 'configuration answered %d items', #answer)
  U.check(vim.deep_equal(answer[1], settings.keyguard), 'configuration[1] = %s', vim.fn.json_encode(answer[1]))
  U.check(vim.deep_equal(answer[2], { enabled = false }), 'configuration[2] = %s', vim.inspect(answer[2]))
  U.check(answer[3] == vim.NIL, 'configuration[3] = %s', vim.inspect(answer[3]))
  -- keyguard/probeResult feeds the plugin's statusline when lua/keyguard is there.
  U.check(type(cfg.handlers['keyguard/probeResult']) == 'function', 'keyguard/probeResult handler missing')
  local kg2 = require('keyguard')
  U.check(kg2.statusline() == '', 'statusline before any probe: %q', kg2.statusline())
  cfg.handlers['keyguard/probeResult'](nil, { fingerprint = 'f00d', provider = 'openai', secret = 'sk-pro…abcd', verdict = 'revoked', status = 401, locations = {} }, { client_id = client.id })
  U.check(kg2.statusline() == 'keyguard: 1 revoked', 'statusline after a probeResult: %q', kg2.statusline())

  -- plugin/keyguard.lua defines the commands without setup() (0.11 native config).
  U.check(vim.fn.exists(':KeyguardStatus') == 0, ':KeyguardStatus exists before plugin/keyguard.lua')
  vim.cmd('runtime plugin/keyguard.lua')
  for _, c in ipairs({ 'KeyguardCheckEnv', 'KeyguardCheckQuota', 'KeyguardScanWorkspace', 'KeyguardRestart', 'KeyguardStatus' }) do
    U.check(vim.fn.exists(':' .. c) == 2, ':%s is not defined by plugin/keyguard.lua', c)
  end

  U.log('lsp/keyguard.lua: fields, before_init, configuration and a real client are right (%s)', vim.lsp.config and 'vim.lsp.config' or 'start_client')

  if vim.fn.has('nvim-0.11') == 1 then
    client:stop()
  else
    client.stop()
  end
  vim.wait(3000, function()
    return #U.clients('keyguard') == 0
  end, 20)

  -- Every filetype in the list is one Neovim knows (:checkhealth vim.lsp
  -- warns about the others); 0.12 is the version that knows 'env'.
  if vim.fn.has('nvim-0.12') == 1 then
    -- What :checkhealth vim.lsp checks against.
    local known = vim.filetype._get_known_filetypes and vim.filetype._get_known_filetypes() or {}
    for _, ft in ipairs(vim.fn.getcompletion('', 'filetype')) do
      known[ft] = true
    end
    for _, ft in ipairs(cfg.filetypes) do
      U.check(known[ft], 'filetype %q is unknown to Neovim %s', ft, U.version())
    end
    for _, name in ipairs({ '.env', '.env.local', 'prod.env' }) do
      local ft = vim.filetype.match({ filename = name })
      U.check(ft and vim.tbl_contains(cfg.filetypes, ft), '%s has filetype %s, not in the list', name, tostring(ft))
    end
  end

  ---------------------------------------------------------------- the recipe, for real (0.11+)
  if vim.lsp.config and vim.lsp.enable then
    vim.cmd('silent! %bwipeout!')
    vim.lsp.config('keyguard', {
      settings = { keyguard = { probe = { enabled = true }, endpoints = { openai = U.env('KG_FAKE') .. '/v1' }, severity = {} } },
    })
    require('recipe').run({ name = 'native config', health = "set up with vim.lsp.enable('keyguard')" })
    -- Neovim's own health check of the enabled config: no unknown filetype.
    vim.cmd('checkhealth vim.lsp')
    local h = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
    vim.cmd('tabclose')
    U.check(U.contains(h, 'keyguard'), ':checkhealth vim.lsp does not list keyguard:\n%s', h)
    U.check(not U.contains(h, 'Unknown filetype'), ':checkhealth vim.lsp warns:\n%s', h)
    U.log(':checkhealth vim.lsp lists keyguard without warnings about its filetypes')
  else
    U.log('Neovim %s has no vim.lsp.config: the native recipe runs on 0.11+ only', U.version())
  end
end)
