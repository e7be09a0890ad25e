-- The README's nvim-lspconfig recipe in a real Neovim with a real
-- nvim-lspconfig. nvim-lspconfig is in no package registry here, so this
-- runs only when scripts/e2e-nvim is given a checkout: KG_LSPCONFIG=DIR
-- (e.g. a copy of github.com/neovim/nvim-lspconfig; never committed).
-- nvim-lspconfig needs Neovim 0.10+; on older ones this says so and passes.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/')
package.path = here .. '/?.lua;' .. package.path
local U = require('util')

U.run('lspconfig', function()
  if vim.fn.has('nvim-0.10') ~= 1 then
    U.log('nvim-lspconfig needs Neovim 0.10+; skipped on %s', U.version())
    return
  end
  vim.opt.rtp:append(U.env('KG_LSPCONFIG'))
  vim.cmd('filetype on')
  -- What Neovim sources at startup for plugins on 'runtimepath' (-u NONE
  -- skips it): keyguard's commands and lspconfig's own.
  vim.cmd('runtime! plugin/keyguard.lua plugin/lspconfig.lua')
  vim.o.hidden = true
  vim.o.swapfile = false
  -- The snippet's cmd is plain 'keyguard': the built binary goes on PATH.
  vim.env.PATH = vim.fn.fnamemodify(U.env('KG_BIN'), ':h') .. ':' .. vim.env.PATH

  -- The README snippet as a user pastes it; only the endpoint (the fake
  -- provider) and severity = {} (another empty table) are added.
  local configs = require('lspconfig.configs')
  local util = require('lspconfig.util')
  if not configs.keyguard then
    configs.keyguard = {
      default_config = {
        cmd = { 'keyguard', 'lsp', '--stdio' },
        filetypes = require('keyguard').default_filetypes,
        root_dir = function(fname)
          return util.root_pattern('.git', '.env')(fname) or vim.fs.dirname(fname)
        end,
        single_file_support = true,
        settings = { keyguard = {} },
      },
    }
  end
  local settings = { keyguard = { endpoints = { openai = U.env('KG_FAKE') .. '/v1' }, severity = {}, probe = { onSave = true } } }
  require('lspconfig').keyguard.setup({
    settings = settings,
    init_options = settings.keyguard,
    handlers = {
      ['keyguard/probeResult'] = function(...) require('keyguard').on_probe_result(...) end,
    },
  })
  require('recipe').run({ name = 'lspconfig', health = 'set up with nvim-lspconfig' })
end)
