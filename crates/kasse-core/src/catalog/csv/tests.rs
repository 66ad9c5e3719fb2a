use super::*;

const NOK: Currency = Currency::Nok;

fn codes(p: &Parsed) -> Vec<(u64, RejectCode)> {
    p.rejected.iter().map(|r| (r.line, r.code)).collect()
}

#[test]
fn a_norwegian_spreadsheet_with_bom_semicolons_and_comma_prices() {
    let file = "\u{feff}SKU;Name;GTIN;Price;VAT;Unit;Category\r\n\
                KAFFE;Kaffe;7038010009457;39,90;25;;Drikke\r\n\
                EPLER;Epler, røde;;129,90;15;kg;Frukt\r\n";
    let p = parse(file.as_bytes(), NOK).unwrap();
    assert_eq!(p.rejected, vec![]);
    assert_eq!(p.products.len(), 2);
    let (line, kaffe) = &p.products[0];
    assert_eq!(*line, 2);
    assert_eq!(kaffe.sku, "KAFFE");
    assert_eq!(kaffe.price, 3990);
    assert_eq!(kaffe.vat.to_string(), "25");
    assert_eq!(kaffe.gtin.as_ref().unwrap().as_str(), "7038010009457");
    assert_eq!(
        (kaffe.unit, kaffe.active, kaffe.favourite),
        (Unit::Piece, true, false)
    );
    let (_, epler) = &p.products[1];
    assert_eq!(
        (epler.name.as_str(), epler.price, epler.unit),
        ("Epler, røde", 12_990, Unit::Kg)
    );
    assert_eq!(epler.category.as_deref(), Some("Frukt"));
}

#[test]
fn each_bad_row_is_refused_with_its_line_and_reason() {
    let file = "sku,name,gtin,price,vat,unit,category\n\
                A,Good,,10.00,25,,\n\
                B,Bad check digit,7038010009458,10.00,25,,\n\
                C,Odd VAT,,10.00,24,,\n\
                D,No price,,ti kroner,25,,\n\
                E,Same barcode,96385074,1,15,,\n\
                F,Same barcode again,96385074,1,15,,\n\
                A,Same SKU,,1,15,,\n\
                G,,,1,15,,\n\
                H,Litre,,1,15,litre,\n\
                \n\
                I,Fine,,\"1,50\",12,piece,\n";
    let p = parse(file.as_bytes(), NOK).unwrap();
    use RejectCode::*;
    assert_eq!(
        codes(&p),
        vec![
            (3, BadGtin),
            (4, VatNotAllowed),
            (5, BadPrice),
            (7, DuplicateGtin),
            (8, DuplicateSku),
            (9, Missing),
            (10, BadUnit),
        ]
    );
    let skus: Vec<&str> = p.products.iter().map(|(_, p)| p.sku.as_str()).collect();
    assert_eq!(skus, ["A", "E", "I"]);
    assert_eq!(p.products[2].1.price, 150);
    let why = |line| {
        p.rejected
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .reason
            .clone()
    };
    assert!(why(3).contains("check digit"), "{}", why(3));
    assert!(why(4).contains("0, 12, 15, 25"), "{}", why(4));
    assert!(why(5).contains("ti kroner"), "{}", why(5));
    assert!(why(9).contains("name"), "{}", why(9));
}

#[test]
fn a_file_that_cannot_be_a_catalogue_is_refused_whole() {
    assert_eq!(parse(b"", NOK), Err(CsvError::Empty));
    assert_eq!(
        parse(b"sku,name,price\nA,B,1\n", NOK),
        Err(CsvError::MissingColumn("vat"))
    );
    assert_eq!(
        parse(b"sku,name,price,vat,colour\n", NOK),
        Err(CsvError::UnknownColumn("colour".into()))
    );
    assert_eq!(
        parse(b"sku,name,price,vat\nA,Caf\xe9,1,25\n", NOK),
        Err(CsvError::NotUtf8 { line: 2 })
    );
}

#[test]
fn export_then_import_gives_the_same_products() {
    let file = "sku,name,gtin,price,vat,unit,category,favourite,active\n\
                =1,\"Sjokolade \"\"Melk\"\"\",036000291452,25.00,15,piece,\"Godt, søtt\",yes,no\n\
                K2,Kylling,,189.50,15,kg,,no,yes\n";
    let first = parse(file.as_bytes(), NOK).unwrap();
    assert_eq!(first.rejected, vec![]);
    let products: Vec<Product> = first.products.iter().map(|(_, p)| p.clone()).collect();
    let csv = export(&products, NOK);
    assert!(csv.starts_with("sku,name,gtin,price,vat,unit,category,favourite,active\r\n"));
    assert!(
        csv.contains("'=1,"),
        "a formula-looking SKU is guarded: {csv}"
    );
    let again = parse(csv.as_bytes(), NOK).unwrap();
    let round: Vec<Product> = again.products.into_iter().map(|(_, p)| p).collect();
    assert_eq!(round, products);
    assert_eq!(round[0].gtin.as_ref().unwrap().as_str(), "0036000291452");
}
