-- Defines the :Keyguard* commands at startup (they load lua/keyguard on
-- first use), so that they exist with the Neovim 0.11 native config
-- (vim.lsp.enable('keyguard')) too. require('keyguard').setup() defines
-- them as well, for setups that never source plugin/ (-u NONE, late rtp).
if vim.g.loaded_keyguard or vim.fn.has('nvim-0.7') ~= 1 then
  return
end
vim.g.loaded_keyguard = true
require('keyguard').define_commands()
