"""Lost customers: who stopped buying (told from their purchases), and who came back."""
