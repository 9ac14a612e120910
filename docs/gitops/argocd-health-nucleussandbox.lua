-- Argo CD health check for nucleus.dev/NucleusSandbox (docs/gitops.md).
-- Reads only what the operator guarantees: status.observedGeneration, the Ready condition and the derived phase.
local hs = { status = "Progressing", message = "Waiting for the Nucleus operator to observe this sandbox" }
if obj.status == nil then
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if observed == nil or (generation ~= nil and observed < generation) then
  hs.message = "The operator has not observed the latest spec yet"
  return hs
end

local ready = nil
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end

local phase = obj.status.phase or "Pending"
local detail = obj.status.message
if detail == nil and ready ~= nil then
  detail = ready.message
end
local function describe(prefix)
  local reason = obj.status.reason
  if reason == nil and ready ~= nil then
    reason = ready.reason
  end
  local text = prefix
  if reason ~= nil and reason ~= "" then
    text = text .. " (" .. reason .. ")"
  end
  if detail ~= nil and detail ~= "" then
    text = text .. ": " .. detail
  end
  return text
end

-- Terminal or stuck without a spec change: the sandbox failed, its node is gone, or its spec is invalid.
if phase == "Failed" or phase == "Lost" or (ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec") then
  hs.status = "Degraded"
  hs.message = describe("Sandbox " .. phase)
  return hs
end
-- A finished batch sandbox did what it was asked to.
if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = describe("Sandbox finished")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe("Sandbox " .. phase)
  return hs
end
-- Pending, Scheduled, Starting, Checkpointing, Restoring, Terminating, or Unschedulable until a node fits.
hs.message = describe("Sandbox " .. phase)
return hs
