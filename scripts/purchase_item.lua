-- The seed's purchase_item RPC: validates the item, charges the player's wallet and stores the
-- item in the player's inventory, all through kaos.storage_* (the StorageService rules apply).
--
--   POST /api/rpc/purchase_item  {"item_id": "sword"}   (bearer token)
--   socket.rpc("purchase_item", '{"item_id":"sword"}')   (KaosTalk)

local PRICES = { sword = 100, shield = 80, potion = 10 }
local START_COINS = 250

kaos.register_rpc("purchase_item", function(ctx, payload)
  if not ctx.user_id then
    error({ message = "players only", code = "FORBIDDEN" })
  end
  local item_id = type(payload) == "table" and payload.item_id or nil
  local price = PRICES[item_id]
  if not price then
    error({ message = "unknown item: " .. tostring(item_id), code = "NOT_FOUND" })
  end

  local found = kaos.storage_read({ { collection = "wallet", key = "coins", user_id = ctx.user_id } })
  local wallet = found[1]
  local coins = wallet and wallet.value.coins or START_COINS
  if coins < price then
    error({ message = "not enough coins", code = "CONFLICT" })
  end

  -- One atomic batch; the wallet write is a compare-and-swap on the version we read (or
  -- create-only when there was none), so two concurrent purchases cannot both spend the coins.
  local acks = kaos.storage_write({
    { collection = "wallet", key = "coins", user_id = ctx.user_id, value = { coins = coins - price },
      version = wallet and wallet.version or "*", permission_read = 1, permission_write = 0 },
    { collection = "inventory", key = item_id .. "-" .. kaos.uuid(), user_id = ctx.user_id,
      value = { item_id = item_id, bought_at = kaos.time() }, permission_read = 1, permission_write = 0 },
  })
  kaos.logger_info("purchase", { user_id = ctx.user_id, item_id = item_id, price = price })
  return { success = true, item = item_id, coins = coins - price, version = acks[1].version }
end)
