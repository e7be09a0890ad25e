-- The checks every install recipe of the README must pass in a real
-- Neovim, once the recipe has configured keyguard the way a user would
-- (config_spec.lua: the 0.11+ native config; lspconfig_spec.lua: the
-- nvim-lspconfig snippet). Uses the workspaces scripts/e2e-nvim writes:
--   KG_WS3       .git/, main.go holding KG_KEY2, .env holding KG_KEY (the
--                fake answers 401 for it)
--   KG_NOMARKER  loose.py holding KG_KEY3, no .git or .env above it
local U = require('util')
local R = {}

-- move_fix applies "Move key to .env" the way a user does
-- (vim.lsp.buf.code_action() and the menu) and waits for buf to change.
function R.move_fix(buf, diag, key)
  vim.api.nvim_set_current_buf(buf)
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
  U.wait(10000, 'the move fix to edit the buffer', function()
    return picked and not U.contains(table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'), key)
  end)
  vim.ui.select = orig_select
  return picked
end

-- run: opts.name (for messages), opts.health (text :checkhealth keyguard
-- must show for this recipe).
function R.run(opts)
  local WS3, NOMARKER = U.env('KG_WS3'), U.env('KG_NOMARKER')
  local KEY, KEY2 = U.secret(U.env('KG_KEY')), U.secret(U.env('KG_KEY2'))
  U.secret(U.env('KG_KEY3'))
  local kg = require('keyguard')

  ---------------------------------------------------------------- .env: attach and probe on open
  vim.cmd('edit ' .. vim.fn.fnameescape(WS3 .. '/.env'))
  local env = vim.api.nvim_get_current_buf()
  U.log('%s: .env has filetype %q', opts.name, vim.bo[env].filetype)
  local client = U.wait(10000, opts.name .. ': a keyguard client on .env', function()
    local c = U.clients('keyguard', env)[1]
    return c and c.initialized and c
  end)
  U.check(client.config.root_dir == WS3, '%s: root_dir %s, want %s', opts.name, tostring(client.config.root_dir), WS3)
  -- Opening the .env probes it; the verdict reaches the statusline
  -- without :KeyguardCheckEnv.
  U.wait(15000, opts.name .. ': the env-key-invalid diagnostic on open', function()
    return U.diags_with(env, 'env-key-invalid')[1]
  end)
  U.wait(5000, opts.name .. ': statusline() to show the verdict of the probe on open', function()
    return U.contains(kg.statusline(), '1 invalid')
  end)
  U.log('%s: probe on open, statusline %q', opts.name, kg.statusline())

  ---------------------------------------------------------------- the fix: exact files
  vim.cmd('edit ' .. vim.fn.fnameescape(WS3 .. '/main.go'))
  local go = vim.api.nvim_get_current_buf()
  local d = U.wait(10000, opts.name .. ': the hardcoded-key diagnostic in main.go', function()
    return U.diags_with(go, 'hardcoded-key')[1]
  end)
  local picked = R.move_fix(go, d, KEY2)
  U.log('%s: applied %q', opts.name, picked)
  vim.cmd('silent wall')
  local src = U.read(WS3 .. '/main.go') or ''
  -- Go reads the key through a mustGetenv helper the fix adds once per
  -- package (it stops with a clear message when the variable is unset).
  U.check(U.contains(src, 'mustGetenv("OPENAI_API_KEY_2")') and U.contains(src, 'os.LookupEnv(name)')
    and U.contains(src, '"os"') and not U.contains(src, KEY2), '%s: main.go:\n%s', opts.name, src)
  -- .env existed (appended), .gitignore and .env.example are new (created).
  local want = {
    ['.env'] = 'OPENAI_API_KEY=' .. KEY .. '\nOPENAI_API_KEY_2=' .. KEY2 .. '\n',
    ['.gitignore'] = '.env\n',
    ['.env.example'] = 'OPENAI_API_KEY_2=\n',
  }
  for name, w in pairs(want) do
    local got = U.read(WS3 .. '/' .. name) or '(missing)'
    U.check(got == w, '%s: %s is %q, want %q', opts.name, name, U.mask(got), U.mask(w))
  end
  U.log('%s: the fix wrote exact files', opts.name)

  ---------------------------------------------------------------- :KeyguardRestart
  local old = {}
  for _, c in ipairs(U.clients('keyguard')) do
    old[c.id] = true
  end
  vim.cmd('KeyguardRestart')
  local fresh = U.wait(10000, opts.name .. ': a new client on main.go after :KeyguardRestart', function()
    local c = U.clients('keyguard', go)[1]
    return c and not old[c.id] and c.initialized and c
  end)
  U.wait(5000, opts.name .. ': .env on the new client', function()
    local c = U.clients('keyguard', env)[1]
    return c and c.id == fresh.id
  end)
  U.check(#U.clients('keyguard') == 1, '%s: %d keyguard clients after :KeyguardRestart, want 1', opts.name, #U.clients('keyguard'))
  U.log('%s: :KeyguardRestart started client %d', opts.name, fresh.id)

  ---------------------------------------------------------------- :checkhealth keyguard
  vim.cmd('checkhealth keyguard')
  local health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('tabclose')
  U.check(U.contains(health, opts.health), '%s: :checkhealth keyguard does not say %q:\n%s', opts.name, opts.health, health)
  U.check(not U.contains(health, 'ERROR') and not U.contains(health, 'WARNING'), '%s: :checkhealth keyguard warns:\n%s', opts.name, health)
  U.check(U.contains(health, 'server running'), '%s: :checkhealth keyguard does not see the server:\n%s', opts.name, health)
  U.check(not U.contains(health, 'get_log_path'), '%s: deprecated call in :checkhealth', opts.name)

  ---------------------------------------------------------------- no root marker
  vim.cmd('edit ' .. vim.fn.fnameescape(NOMARKER .. '/loose.py'))
  local loose = vim.api.nvim_get_current_buf()
  U.wait(10000, opts.name .. ': a client for a file without a root marker', function()
    return U.clients('keyguard', loose)[1]
  end)
  U.wait(10000, opts.name .. ': the hardcoded-key diagnostic in loose.py', function()
    return U.diags_with(loose, 'hardcoded-key')[1]
  end)
  U.log('%s: a file without a root marker is checked', opts.name)

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
end

return R
