-- Argo CD health check for nucleus.dev/NucleusCheckpoint (docs/gitops.md).
-- Completed and Failed are terminal phases; everything else is still in progress.
local hs = { status = "Progressing", message = "Waiting for the Nucleus operator to observe this checkpoint" }
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
local text = "Checkpoint " .. phase
if obj.status.reason ~= nil and obj.status.reason ~= "" then
  text = text .. " (" .. obj.status.reason .. ")"
end
if obj.status.message ~= nil and obj.status.message ~= "" then
  text = text .. ": " .. obj.status.message
end
hs.message = text

if phase == "Failed" then
  hs.status = "Degraded"
elseif phase == "Completed" or (ready ~= nil and ready.status == "True") then
  hs.status = "Healthy"
end
return hs
