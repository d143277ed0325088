-- The example arena as a Lua match module: same wire protocol as the TypeScript "arena" handler
-- (libs/rooms/src/example/arena.protocol.ts), so the same bots and clients play it.
-- Create one with RoomCreate {module = "lua_arena"} or kaos.room_create("lua_arena").
local M = {}

local MOVE, SNAPSHOT, ROUND_OVER = 1, 10, 11
local SIZE, SPEED, PICKUP, WIN = 100, 30, 4, 10
local US = 2 -- delivery class: unreliable sequenced

local function clamp(v) if v < 0 then return 0 elseif v > SIZE then return SIZE else return v end end
local function sign(v) if v > 0 then return 1 elseif v < 0 then return -1 else return 0 end end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

function M.match_init(ctx, params)
  local seed = type(params.seed) == "number" and params.seed or 1
  math.randomseed(seed)
  local state = { players = {}, order = {}, coin = { x = 50, y = 50 }, round = 1, empty_since = 0, empty_ticks = 20 * 30 }
  return { state = state, tick_rate = 20, label = "lua_arena 0/" .. math.floor(ctx.max_players) }
end

function M.match_join_attempt(ctx, state, presence, metadata)
  local name = metadata.name
  if name ~= nil and (type(name) ~= "string" or #name > 24) then
    return state, false, "name must be a string of at most 24 characters"
  end
  return state, true
end

function M.match_join(ctx, state, presence)
  local spot = math.random()
  state.players[presence.m] = { m = presence.m, x = spot * SIZE, y = (1 - spot) * SIZE, dx = 0, dy = 0, score = 0 }
  state.order[#state.order + 1] = presence.m
  state.empty_since = 0
  ctx.dispatcher.label_update("lua_arena " .. count(state.players) .. "/" .. math.floor(ctx.max_players))
  return state
end

function M.match_leave(ctx, state, presence, reason)
  state.players[presence.m] = nil
  for i, m in ipairs(state.order) do if m == presence.m then table.remove(state.order, i) break end end
  ctx.dispatcher.label_update("lua_arena " .. count(state.players) .. "/" .. math.floor(ctx.max_players))
  return state
end

function M.match_loop(ctx, state, tick, messages)
  for _, msg in ipairs(messages) do
    local p = state.players[msg.sender.m]
    if p and msg.op_code == MOVE and #msg.data >= 2 then
      local dx, dy = string.unpack("<i1i1", msg.data)
      p.dx, p.dy = sign(dx), sign(dy)
    end
  end
  if #state.order == 0 then
    if state.empty_since == 0 then state.empty_since = tick end
    if tick - state.empty_since > state.empty_ticks then return nil end
    return state
  end
  local step = SPEED / ctx.tick_rate
  local winner
  local parts = {}
  for _, m in ipairs(state.order) do
    local p = state.players[m]
    local norm = (p.dx ~= 0 and p.dy ~= 0) and math.sqrt(0.5) or 1
    p.x = clamp(p.x + p.dx * step * norm)
    p.y = clamp(p.y + p.dy * step * norm)
    if math.sqrt((p.x - state.coin.x) ^ 2 + (p.y - state.coin.y) ^ 2) <= PICKUP then
      p.score = p.score + 1
      state.coin = { x = math.random() * SIZE, y = math.random() * SIZE }
      if p.score >= WIN then winner = p end
    end
    if #parts < 76 then parts[#parts + 1] = string.pack("<I4ffI2", p.m, p.x, p.y, math.min(p.score, 65535)) end
  end
  ctx.dispatcher.broadcast(SNAPSHOT, string.pack("<I4ffB", tick % 4294967296, state.coin.x, state.coin.y, #parts) .. table.concat(parts), nil, US)
  if winner then
    ctx.dispatcher.broadcast(ROUND_OVER, string.pack("<I4I2", winner.m, winner.score))
    for _, p in pairs(state.players) do p.score = 0 end
    state.round = state.round + 1
  end
  return state
end

function M.match_signal(ctx, state, data)
  return state, kaos.json_encode({ round = state.round, players = #state.order, echo = data })
end

function M.match_terminate(ctx, state, grace_seconds)
  return state
end

return M
