-- Driven by tests/editor_nvim.rs: a headless Neovim (0.7 or later) starts
-- `dvmlint lsp` as its language server, opens a file, edits it, and writes
-- the diagnostics it shows after each step to $DVMLINT_OUT, one line each:
--   <step> <code>@<line>:<col>,... (sorted; lines and columns 0-based)
local bin = os.getenv('DVMLINT_BIN')
local root = os.getenv('DVMLINT_ROOT')
local file = os.getenv('DVMLINT_FILE')
local out = assert(io.open(os.getenv('DVMLINT_OUT'), 'w'))

local function say(line)
  out:write(line .. '\n')
  out:flush()
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = 'dvmlint',
  cmd = { bin, 'lsp' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'repo' } },
})
vim.lsp.buf_attach_client(buf, client)

local function shown()
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'
    table.insert(items, string.format('%s@%d:%d', code, d.lnum, d.col))
  end
  table.sort(items)
  return table.concat(items, ',')
end

-- Waits until the shown diagnostics satisfy `want`, then reports them.
local function step(name, want)
  local ok = vim.wait(30000, function() return want(shown()) end, 20)
  say((ok and name or ('timeout-' .. name)) .. ' ' .. shown())
  return ok
end

if step('open', function(s) return s:find('DVM401', 1, true) ~= nil end) then
  -- Rename the second definition (line 12, `  name: settings`): no duplicate.
  vim.api.nvim_buf_set_lines(buf, 11, 12, false, { '  name: renamed' })
  if step('edit', function(s) return s == '' end) then
    -- Undo the rename: the duplicate is back, at the same place.
    vim.api.nvim_buf_set_lines(buf, 11, 12, false, { '  name: settings' })
    step('undo', function(s) return s:find('DVM401', 1, true) ~= nil end)
  end
end
vim.lsp.stop_client(client)
vim.wait(2000, function() return vim.lsp.get_client_by_id(client) == nil end, 20)
out:close()
vim.cmd('qall!')
