import { invoke } from '../shared/ipc';
import type { Campaign } from '../../bindings/Campaign';
import type { Petition } from '../../bindings/Petition';

export function listCampaigns(): Promise<Campaign[]> {
  return invoke<Campaign[]>('list_campaigns');
}

export function createCampaign(name: string): Promise<Campaign> {
  return invoke<Campaign>('create_campaign', { name });
}

export function listPetitions(campaignId: number): Promise<Petition[]> {
  return invoke<Petition[]>('list_petitions', { campaignId });
}

export function createPetition(campaignId: number, title: string): Promise<Petition> {
  return invoke<Petition>('create_petition', { campaignId, title });
}

export type CampaignWithPetitions = { campaign: Campaign; petitions: Petition[] };

/** Every campaign with its petitions, for petition pickers. */
export async function listAllPetitions(): Promise<CampaignWithPetitions[]> {
  const campaigns = await listCampaigns();
  return Promise.all(
    campaigns.map(async (campaign) => ({
      campaign,
      petitions: campaign.petition_count > 0 ? await listPetitions(campaign.id) : [],
    })),
  );
}
