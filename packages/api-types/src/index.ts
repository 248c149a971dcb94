export const GROUP = 'sedna.io';
